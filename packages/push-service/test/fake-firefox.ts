/**
 * A minimal Firefox for the WebSocket tests: one plain `ws` connection with the subprotocol
 * `push-notification`, sending the JSON frames Firefox's PushServiceWebSocket sends (`hello` with
 * `use_webpush: true` and `broadcasts: {}`, `register` with a fresh UUID as channelID), with the
 * frames it receives queued until read.
 */
import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import { WebSocket } from 'ws'
import { sleep } from './helpers.js'

export type Frame = Record<string, unknown>

export class FakeFirefox {
  readonly frames: Frame[] = []
  readonly #waiters: ((frame: Frame) => void)[] = []
  /** Settles when the connection closes, with the close code and reason the client saw. */
  readonly closed: Promise<{ code: number; reason: string }>
  readonly ws: WebSocket

  private constructor(ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame
      const waiter = this.#waiters.shift()
      if (waiter) waiter(frame)
      else this.frames.push(frame)
    })
    ws.on('error', () => {}) // a refused or cut connection shows in `closed`
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    )
  }

  /** Opens a connection; `headers` are sent with the upgrade request (an `Origin`, say). */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<FakeFirefox> {
    const ws = new WebSocket(url, 'push-notification', { headers })
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    return new FakeFirefox(ws)
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame))
  }

  /** Sends `data` as it is: text (any string, or bytes that may not be UTF-8) or a binary frame. */
  sendRaw(data: string | Uint8Array, binary = false): void {
    this.ws.send(data, { binary })
  }

  next(timeoutMs = 2000): Promise<Frame> {
    const ready = this.frames.shift()
    if (ready) return Promise.resolve(ready)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs)
      this.#waiters.push((frame) => {
        clearTimeout(timer)
        resolve(frame)
      })
    })
  }

  async nothing(ms = 150): Promise<void> {
    await sleep(ms)
    expect(this.frames).toEqual([])
  }

  async hello(uaid?: string): Promise<string> {
    this.send({ messageType: 'hello', broadcasts: {}, use_webpush: true, ...(uaid ? { uaid } : {}) })
    const reply = await this.next(5000)
    expect(reply).toMatchObject({ messageType: 'hello', status: 200, use_webpush: true })
    return reply.uaid as string
  }

  async register(key?: string): Promise<{ channelID: string; endpoint: string }> {
    const channelID = randomUUID()
    this.send({ messageType: 'register', channelID, ...(key ? { key } : {}) })
    const reply = await this.next()
    expect(reply).toMatchObject({ messageType: 'register', channelID, status: 200 })
    return { channelID, endpoint: reply.pushEndpoint as string }
  }

  /** Resolves with the close code, or rejects if the connection is still open after `timeoutMs`. */
  closedWithin(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    let timer: NodeJS.Timeout | undefined
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs)
      }),
    ]).finally(() => clearTimeout(timer))
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close()
    return this.closed
  }
}

/**
 * Tries a WebSocket upgrade and resolves with the HTTP status of a refusal (or 101 when it opened,
 * after closing it again).
 */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'push-notification', { headers })
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      ws.terminate()
    })
    ws.once('open', () => {
      ws.close()
      resolve(101)
    })
    ws.once('error', (error) => reject(error))
  })
}
