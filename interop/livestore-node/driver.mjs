// Drives a real LiveStore 0.4 node client for livesync's interop tests.
// Usage: node driver.mjs --url ws://127.0.0.1:8787 --store S --client C [--token T] [--storage memory|fs:DIR]
// Commands on stdin, one JSON object per line; one JSON reply per line on stdout; logs on stderr:
//   {"cmd":"create","count":N,"batch":K}   commit N todos in commits of K
//   {"cmd":"delete"}                       commit v1.TodoDeleted of the first todo (by id)
//   {"cmd":"wait","count":N,"timeoutMs":M} wait until the store holds N todos
//   {"cmd":"status"}                       todo count and the leader's sync state
//   {"cmd":"shutdown"}                     shut the store down and exit
import { WebSocket } from 'ws'
globalThis.WebSocket ??= WebSocket // Node 20 has no global WebSocket

import { createInterface } from 'node:readline'
import { makeAdapter } from '@livestore/adapter-node'
import { createStorePromise, Events, makeSchema, queryDb, Schema, State } from '@livestore/livestore'
import { makeWsSync } from '@livestore/sync-cf/client'

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, all) => {
  if (v.startsWith('--')) acc.push([v.slice(2), all[i + 1]])
  return acc
}, []))
const log = (...parts) => process.stderr.write(JSON.stringify({ ts: new Date().toISOString(), node: args.client, event: parts[0], detail: parts.slice(1).join(' ') }) + '\n')

const todos = State.SQLite.table({
  name: 'todos',
  columns: { id: State.SQLite.text({ primaryKey: true }), text: State.SQLite.text({ default: '' }) },
})
const events = {
  todoCreated: Events.synced({ name: 'v1.TodoCreated', schema: Schema.Struct({ id: Schema.String, text: Schema.String }) }),
  todoDeleted: Events.synced({ name: 'v1.TodoDeleted', schema: Schema.Struct({ id: Schema.String }) }),
}
const materializers = State.SQLite.materializers(events, {
  'v1.TodoCreated': ({ id, text }) => todos.insert({ id, text }),
  'v1.TodoDeleted': ({ id }) => todos.delete().where({ id }),
})
const schema = makeSchema({ events, state: State.SQLite.makeState({ tables: { todos }, materializers }) })

const storage = !args.storage || args.storage === 'memory'
  ? { type: 'in-memory' }
  : { type: 'fs', baseDirectory: args.storage.replace(/^fs:/, '') }
const adapter = makeAdapter({ storage, clientId: args.client, sync: { backend: makeWsSync({ url: args.url }) } })
const store = await createStorePromise({
  adapter,
  schema,
  storeId: args.store,
  disableDevtools: true,
  ...(args.token ? { syncPayload: { authToken: args.token } } : {}),
})
log('store-open', args.url, args.store)

const allTodos = queryDb(todos.select())
let created = 0
const count = () => store.query(allTodos).length
const status = async () => {
  const { leader } = await store._dev.syncStates()
  return {
    ok: true,
    todos: count(),
    pending: leader.pending.length,
    upstreamHead: leader.upstreamHead.global,
    localHead: leader.localHead.global,
  }
}

const reply = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
const rl = createInterface({ input: process.stdin })
for await (const line of rl) {
  if (!line.trim()) continue
  let cmd
  try {
    cmd = JSON.parse(line)
    switch (cmd.cmd) {
      case 'create': {
        const batch = Math.max(1, cmd.batch ?? 1)
        for (let i = 0; i < cmd.count; i += batch) {
          const evs = []
          for (let j = i; j < Math.min(cmd.count, i + batch); j++) {
            const n = created + j
            evs.push(events.todoCreated({ id: `${args.client}-${n}-${Math.random().toString(36).slice(2, 8)}`, text: `${args.client} todo ${n}` }))
          }
          store.commit(...evs)
        }
        created += cmd.count
        reply({ ok: true, created })
        break
      }
      case 'delete': {
        const first = store.query(allTodos).map((t) => t.id).sort()[0]
        if (first === undefined) throw new Error('no todo to delete')
        store.commit(events.todoDeleted({ id: first }))
        reply({ ok: true, deleted: first })
        break
      }
      case 'wait': {
        const deadline = Date.now() + (cmd.timeoutMs ?? 30000)
        while (count() < cmd.count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
        reply({ ...(await status()), reached: count() >= cmd.count })
        break
      }
      case 'status':
        reply(await status())
        break
      case 'shutdown':
        await store.shutdownPromise()
        reply({ ok: true })
        process.exit(0)
      default:
        reply({ ok: false, error: `unknown command ${line}` })
    }
  } catch (e) {
    reply({ ok: false, error: String(e?.stack ?? e) })
  }
}
await store.shutdownPromise()
