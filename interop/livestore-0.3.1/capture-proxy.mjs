// Records the text frames between a LiveStore 0.3.1 client and a livesync server (for the 0.3 codec's fixtures).
// Usage: node capture-proxy.mjs LISTEN_PORT TARGET_URL OUT_PREFIX
import { WebSocket, WebSocketServer } from 'ws'
import { appendFileSync } from 'node:fs'
const [port, target, out] = process.argv.slice(2)
const wss = new WebSocketServer({ port: Number(port) })
wss.on('connection', (client, req) => {
  const upstream = new WebSocket(target + req.url)
  const pending = []
  upstream.on('open', () => pending.splice(0).forEach((m) => upstream.send(m)))
  client.on('message', (data) => {
    const text = data.toString()
    appendFileSync(out + '-client.jsonl', text + '\n')
    if (upstream.readyState === WebSocket.OPEN) upstream.send(text); else pending.push(text)
  })
  upstream.on('message', (data) => {
    const text = data.toString()
    appendFileSync(out + '-server.jsonl', text + '\n')
    client.send(text)
  })
  client.on('close', () => { try { upstream.close() } catch {} })
  upstream.on('close', () => { try { client.close() } catch {} })
  upstream.on('error', (e) => console.error('upstream', e.message))
  client.on('error', (e) => console.error('client', e.message))
  console.error('connection', req.url)
})
