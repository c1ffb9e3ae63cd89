/** Small helpers of the WebSocket side: who may upgrade, how a refusal is answered, and a liveness probe. */
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'

/**
 * Whether a WebSocket upgrade's `Origin` can be a push client's. Firefox's PushServiceWebSocket opens
 * its channel with the server URL as origin (`asyncOpen(uri, uri.spec, …)`), so it sends
 * `ws://host:port/` (or `wss:`), an origin no page can have; other clients send none. A page's is
 * `http:`, `https:`, `null`… (RFC 6455 §4.1 item 8, §10.2).
 */
export function isUserAgentOrigin(origin: string | undefined): boolean {
  return origin === undefined || /^wss?:\/\//i.test(origin)
}

/** Answers a WebSocket upgrade with an HTTP refusal and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.once('finish', () => socket.destroy())
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/** Pings `ws`: true on its pong (RFC 6455 §5.5.3), false when it closes or `ms` pass first. */
export function probe(ws: WebSocket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (ws.readyState !== ws.OPEN) {
      resolve(false)
      return
    }
    const done = (alive: boolean) => {
      clearTimeout(timer)
      ws.off('pong', onPong)
      ws.off('close', onClose)
      resolve(alive)
    }
    const onPong = () => done(true)
    const onClose = () => done(false)
    const timer = setTimeout(() => done(false), ms)
    ws.on('pong', onPong)
    ws.on('close', onClose)
    ws.ping()
  })
}
