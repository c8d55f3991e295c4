// livesync operator dashboard: plain JavaScript, no build step, no outside resources. It polls the JSON endpoints
// of docs/dashboard.md every 2 s and renders with textContent (never innerHTML with data).
'use strict';

const POLL_MS = 2000;
let timer = null;
let eventCursors = [0];   // the event browser's page starts (for "previous")
let eventFilter = { name: '', clientId: '' };
let currentStore = null;
let draft = null;         // filter text typed but not submitted: survives the re-render of each poll

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function table(headers, rows, rowClass) {
  const t = el('table', {}, el('tr', {}, ...headers.map(h => el('th', {}, h))));
  rows.forEach((r, i) => t.append(el('tr', { class: rowClass ? rowClass(i) : '' },
    ...r.map(c => el('td', typeof c === 'number' ? { class: 'num' } : {}, c)))));
  return t;
}

async function get(path) {
  const r = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (r.status === 401 || r.status === 403) { location.href = '/admin/login'; throw new Error('not logged in'); }
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return r.json();
}

function chart(series, width, height) {
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  const max = Math.max(1, ...series.map(p => p.pushesPerSecond));
  const pts = series.map((p, i) => {
    const x = (i / Math.max(1, series.length - 1)) * (width - 2) + 1;
    const y = height - 1 - (p.pushesPerSecond / max) * (height - 2);
    return x.toFixed(1) + ',' + y.toFixed(1);
  }).join(' ');
  const line = document.createElementNS(svgNs, 'polyline');
  line.setAttribute('points', pts);
  svg.append(line);
  const title = document.createElementNS(svgNs, 'title');
  title.textContent = 'pushes/s, last 10 minutes (max ' + max.toFixed(2) + ')';
  svg.append(title);
  return svg;
}

const fmt = n => (typeof n === 'number' ? n.toFixed(2) : '');
const fmtBytes = n => (typeof n !== 'number' ? '' : n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB'
  : (n / 1048576).toFixed(1) + ' MiB');
const time = s => (s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');

async function renderStores(view) {
  const o = await get('/admin/api/overview');
  // stored bytes are computed only on request: it reads every stored event (docs/dashboard.md)
  const sizes = el('button', { id: 'sizes' }, o.sizesAt ? 'Compute sizes again' : 'Compute sizes');
  sizes.addEventListener('click', async () => { sizes.disabled = true; await get('/admin/api/sizes'); refresh(); });
  view.replaceChildren(
    el('h1', {}, 'Stores'),
    el('p', { class: 'muted' }, 'Instance ' + o.node + ' (' + o.eventStore + '); stores this instance has served since it started.'),
    table(['store', 'head', 'events', 'bytes', 'connections', 'HTTP clients', 'pushes/s (1 min)', 'events/s (1 min)',
      'pushes/s (10 min)', 'last push', 'active flags'],
      o.stores.map(s => [el('a', { href: '#/store/' + encodeURIComponent(s.storeId), class: 'store-link' }, s.storeId),
        s.head, s.events, el('span', { class: 'bytes' }, fmtBytes(s.bytes)), s.connections, s.httpClients,
        fmt(s.pushesPerSecond), fmt(s.eventsPerSecond),
        chart(s.series, 160, 30), time(s.lastPushAt) + (s.lastPushOutcome ? ' (' + s.lastPushOutcome + ')' : ''),
        s.activeFlags])),
    el('p', { class: 'muted', id: 'sizes-at' }, (o.sizesAt ? 'Bytes as of ' + time(o.sizesAt) + '. ' : 'Bytes are not '
      + 'computed yet. ') + 'Computing them reads every stored event (at most once a minute): ', sizes));
}

async function renderStore(view, id) {
  if (currentStore !== id) { currentStore = id; eventCursors = [0]; eventFilter = { name: '', clientId: '' }; draft = null; }
  const s = await get('/admin/api/stores/' + encodeURIComponent(id));
  const q = new URLSearchParams({ after: eventCursors[eventCursors.length - 1], limit: 20 });
  if (eventFilter.name) q.set('name', eventFilter.name);
  if (eventFilter.clientId) q.set('clientId', eventFilter.clientId);
  const ev = await get('/admin/api/stores/' + encodeURIComponent(id) + '/events?' + q);
  const shown = draft || eventFilter;
  const focused = document.activeElement && document.activeElement.form ? document.activeElement.name : null;
  const nameIn = el('input', { name: 'name', placeholder: 'event name', value: shown.name });
  const clientIn = el('input', { name: 'clientId', placeholder: 'client id', value: shown.clientId });
  for (const input of [nameIn, clientIn]) {
    input.addEventListener('input', () => { draft = { name: nameIn.value, clientId: clientIn.value }; });
  }
  const form = el('form', { class: 'filter' }, nameIn, ' ', clientIn, ' ', el('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', e => {
    e.preventDefault(); eventFilter = { name: nameIn.value.trim(), clientId: clientIn.value.trim() }; draft = null;
    eventCursors = [0]; refresh();
  });
  const prev = el('button', { id: 'events-prev' }, 'Previous');
  prev.disabled = eventCursors.length < 2;
  prev.addEventListener('click', () => { eventCursors.pop(); refresh(); });
  const next = el('button', { id: 'events-next' }, 'Next');
  next.disabled = ev.next === null;
  next.addEventListener('click', () => { eventCursors.push(ev.next); refresh(); });
  view.replaceChildren(
    el('h1', {}, 'Store ' + s.storeId),
    el('p', {}, 'head ' + s.head + ' · ' + fmt(s.pushesPerSecond) + ' pushes/s · ' + fmt(s.eventsPerSecond)
      + ' events/s (last minute) · last push ' + time(s.lastPushAt) + ' ', chart(s.series, 300, 40)),
    el('h2', {}, 'Connections on instance ' + s.node),
    table(['id', 'protocol', 'client id', 'remote', 'connected since', 'last push', 'outcome', 'last ServerAhead',
      'live-pull head', 'lag (events)'],
      s.connections.map(c => [c.id, c.protocol, c.clientId || '', c.remote, time(c.connectedSince), time(c.lastPushAt),
        el('span', { class: c.lastPushOutcome && c.lastPushOutcome !== 'accepted' ? 'failed' : '' }, c.lastPushOutcome || ''),
        c.lastServerAheadAt ? time(c.lastServerAheadAt) + ' at parent ' + c.lastServerAheadParent + ' (head ' + c.lastServerAheadMinimum + ')' : '',
        c.livePull ? c.livePullHead : '', c.livePull ? c.lag : ''])),
    el('h2', {}, 'Flags'),
    table(['raised', 'kind', 'client id', 'connection', 'cleared', 'detail'],
      s.flags.map(f => [time(f.raisedAt), f.kind, f.clientId || '', f.connection || '', time(f.clearedAt), f.detail]),
      i => (s.flags[i].active ? 'flag-active' : '')),
    el('h2', {}, 'Event log'),
    form,
    el('p', { class: 'muted', id: 'events-page' }, 'after ' + ev.after + ' · ' + ev.events.length + ' shown, '
      + ev.scanned + ' scanned · head ' + ev.head),
    table(['seq', 'name', 'client id', 'session', 'created', 'args'],
      ev.events.map(e => [e.seq, e.name, e.clientId, e.sessionId, time(e.createdAt), JSON.stringify(e.args)])),
    el('p', {}, prev, ' ', next),
    el('h2', {}, 'Last push of each client id'),
    table(['client id', 'protocol', 'connection', 'at', 'outcome', 'parent', 'events'],
      s.clients.map(c => [c.clientId, c.protocol, c.connection || '', time(c.lastPushAt),
        el('span', { class: c.failed ? 'failed' : '' }, c.outcome), c.parent, c.events])),
    el('h2', {}, 'Recent errors'),
    table(['at', 'level', 'event', 'detail'], s.recentErrors.map(p => [time(p.at), p.level, p.event, p.detail])));
  if (focused === 'name') nameIn.focus(); else if (focused === 'clientId') clientIn.focus();
}

async function renderFlags(view) {
  const f = await get('/admin/api/flags');
  const t = f.thresholds;
  view.replaceChildren(
    el('h1', {}, 'Flags'),
    el('p', { class: 'muted' }, 'Newest first. Lagging live pull after ' + t.lagAfterMillis + ' ms; ServerAhead loop after '
      + t.serverAheadRepeats + ' ServerAhead refusals in a row, each below the head the one before named; quiet after a failed push after ' + t.quietAfterMillis + ' ms.'),
    table(['raised', 'kind', 'store', 'client id', 'connection', 'cleared', 'detail'],
      f.flags.map(x => [time(x.raisedAt), x.kind, x.store, x.clientId || '', x.connection || '', time(x.clearedAt), x.detail]),
      i => (f.flags[i].active ? 'flag-active' : '')));
}

async function refresh() {
  const view = document.getElementById('view');
  const hash = location.hash || '#/';
  try {
    if (hash.startsWith('#/store/')) await renderStore(view, decodeURIComponent(hash.substring('#/store/'.length)));
    else if (hash === '#/flags') await renderFlags(view);
    else await renderStores(view);
    const active = await get('/admin/api/flags?active=true');
    document.getElementById('flag-count').textContent = active.flags.length ? '(' + active.flags.length + ')' : '';
    document.getElementById('status').textContent = 'updated ' + new Date().toISOString();
  } catch (e) {
    document.getElementById('status').textContent = 'update failed: ' + e.message;
  }
}

function schedule() {
  if (timer) clearInterval(timer);
  refresh();
  timer = setInterval(refresh, POLL_MS);
}

window.addEventListener('hashchange', schedule);
window.addEventListener('DOMContentLoaded', schedule);
