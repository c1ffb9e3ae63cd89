/** One WebSocket of a user agent: where it is in the protocol, and how the service writes to it and closes it. */
import type { WebSocket } from 'ws'
import type { Limits } from './limits.js'
import type { UserAgent } from './user-agent.js'

/**
 * Unread bytes a connection may leave on top of its waiting notifications (at most 8 KiB each: 4096
 * bytes of body in base64url and the headers) before it is cut rather than buffered for.
 */
const UNREAD_ALLOWANCE = 1_048_576
const NOTIFICATION_BYTES = 8192

/** The largest reason a close frame holds (RFC 6455 §5.5: 125 bytes of payload, 2 of them the code). */
const MAX_CLOSE_REASON = 123

/** A WebSocket and its state: `new` until its hello, `hello` while its uaid is settled, then `ready` until `closed`. */
export class Connection {
  readonly ws: WebSocket
  state: 'new' | 'hello' | 'ready' | 'closed' = 'new'
  /** The user agent it is bound to, from its hello reply on. */
  agent: UserAgent | undefined = undefined
  readonly #maxUnread: number
  readonly #helloTimer: NodeJS.Timeout

  /** Starts the `helloTimeoutMs` deadline: no hello by then closes it with 1008 (policy violation). */
  constructor(ws: WebSocket, limits: Limits) {
    this.ws = ws
    this.#maxUnread = UNREAD_ALLOWANCE + limits.maxPendingPerUaid * NOTIFICATION_BYTES
    this.#helloTimer = setTimeout(
      () => this.shut(1008, `no hello within ${limits.helloTimeoutMs} ms`),
      limits.helloTimeoutMs,
    )
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN
  }

  /** Ends the hello deadline (it said hello, or it is closing). */
  stopHelloTimer(): void {
    clearTimeout(this.#helloTimer)
  }

  /** Sends a notification; those are bounded by the `maxPending*` limits, not by the unread allowance. */
  notify(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame))
  }

  /** Answers a frame; a connection that leaves more than its allowance unread is cut rather than buffered for. */
  reply(frame: Record<string, unknown>): void {
    if (!this.open) return
    if (this.ws.bufferedAmount > this.#maxUnread) {
      this.ws.terminate() // it reads nothing: a close frame would wait behind the rest
      return
    }
    this.ws.send(JSON.stringify(frame))
  }

  /** Closes it with a code of RFC 6455 §7.4.1 and a reason (ASCII), cut to what a close frame holds. */
  shut(code: number, reason: string): void {
    this.stopHelloTimer()
    if (this.open) this.ws.close(code, reason.slice(0, MAX_CLOSE_REASON))
  }
}
