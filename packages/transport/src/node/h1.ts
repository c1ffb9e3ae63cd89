/**
 * HTTP/1.1 to one origin: an undici pool of keep-alive connections, one request at a time on each,
 * opened through `openSocket` (so the guard, the proxy and the connect deadline apply), with
 * interim 1xx answers dropped from each connection's input.
 */
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { WebPushError } from '@wp/ece'
import { type Dispatcher, Pool } from 'undici'
import { NetworkError } from '../errors.js'
import { closedError } from '../internal/errors.js'
import { BodyCollector, flattenHeaders, hasHeader } from '../internal/http.js'
import type { AttemptControl, RawResponse } from '../internal/send.js'
import type { CheckedRequest } from '../request.js'
import { CLOSE_GRACE_MS, closeWithin } from './close-within.js'
import { type ConnectOptions, openSocket, type Target } from './connect.js'
import { skipInterimAnswers } from './interim.js'

/** What the HTTP/1.1 side takes from its transport. */
export interface H1Options {
  connect: ConnectOptions
  /** Aborted when the transport has let its sends finish: connects still running are cut. */
  stopConnects: AbortSignal
  /** Most connections open to the origin. */
  maxConnections: number
  /** The `User-Agent` sent when the request has none. */
  userAgent: string
}

/** A failure from undici as the error the send rejects with. */
function toFailure(request: CheckedRequest, error: unknown): unknown {
  if (WebPushError.is(error)) return error
  const code = (error as { code?: string })?.code
  // Cancelled by the attempt's deadline or the caller: the send has already settled with that.
  if (code === 'UND_ERR_ABORTED' || (error as Error)?.name === 'AbortError') return error
  // A connector failure reaches us as the cause or as itself.
  const cause = (error as { cause?: unknown })?.cause
  if (WebPushError.is(cause)) return cause
  return new NetworkError(request.endpoint, { cause: error, notWritten: code === 'UND_ERR_CONNECT_TIMEOUT' })
}

/** One origin's HTTP/1.1 connections. */
export class H1Origin {
  readonly #target: Target
  readonly #options: H1Options
  /** Called once when each `send` settles. */
  readonly #settled: () => void
  #pool: Pool | undefined
  /** The ALPN probe's socket when the server chose HTTP/1.1: the pool's first connection. */
  #spare: Socket | TLSSocket | undefined
  #closed = false

  constructor(target: Target, options: H1Options, settled: () => void) {
    this.#target = target
    this.#options = options
    this.#settled = settled
  }

  /** Keeps `socket`, a connection the server chose HTTP/1.1 on, as the pool's first connection. */
  adopt(socket: Socket | TLSSocket): void {
    if (this.#closed) socket.destroy()
    else this.#spare = socket
  }

  #getPool(): Pool {
    if (this.#pool !== undefined) return this.#pool
    if (this.#closed) throw closedError()
    const target = this.#target
    const options = this.#options
    this.#pool = new Pool(`${target.protocol}//${target.hostname}${target.port ? `:${target.port}` : ''}`, {
      connections: options.maxConnections,
      pipelining: 1,
      connect: (_options, callback) => {
        const spare = this.#spare
        this.#spare = undefined
        if (spare !== undefined && !spare.destroyed) {
          skipInterimAnswers(spare)
          // undici expects the callback after connect() has returned.
          queueMicrotask(() => callback(null, spare))
          return
        }
        const alpn = target.protocol === 'https:' ? ['http/1.1'] : undefined
        openSocket(target, alpn, options.connect, options.stopConnects).then(
          (socket) => {
            skipInterimAnswers(socket)
            callback(null, socket)
          },
          (error) => callback(error, null),
        )
      },
    })
    return this.#pool
  }

  /**
   * Sends one request through undici's dispatch API: the answer arrives in callbacks, with no
   * response stream, no async iterator and no AbortSignal per request (cancelling calls undici's
   * abort). Calls the `settled` callback once, however it ends.
   */
  send(request: CheckedRequest, control: AttemptControl): Promise<RawResponse> {
    const headers: Record<string, string> = { ...request.headers }
    // One User-Agent: the request's own (in any case) wins over ours.
    if (!hasHeader(headers, 'user-agent')) headers['user-agent'] = this.#options.userAgent
    return new Promise<RawResponse>((resolve, reject) => {
      let status = 0
      let responseHeaders: Record<string, string> = {}
      let body: BodyCollector | undefined
      let done = false
      const fail = (error: unknown) => {
        if (done) return
        done = true
        this.#settled()
        reject(toFailure(request, error))
      }
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (controller) => {
          control.onCancel = (reason) => controller.abort(reason as Error)
        },
        onResponseStart: (_controller, statusCode, h) => {
          if (statusCode < 200) return // 1xx informational answers come before the final one (RFC 9110 §15.2)
          status = statusCode
          responseHeaders = flattenHeaders(h)
        },
        onResponseData: (_controller, chunk) => {
          body ??= new BodyCollector()
          body.add(chunk)
        },
        onResponseEnd: () => {
          if (done) return
          done = true
          const raw: RawResponse = {
            status,
            headers: responseHeaders,
            body: body === undefined ? '' : body.text(),
            protocol: 'http/1.1',
          }
          // undici frees the connection in a setImmediate it queues right after this callback
          // (pipelining 1); a request sent before that would open a second connection. Resolve in
          // the check phase after that one.
          setImmediate(() =>
            setImmediate(() => {
              this.#settled()
              resolve(raw)
            }),
          )
        },
        onResponseError: (_controller, error) => fail(error),
      }
      try {
        this.#getPool().dispatch({ method: 'POST', path: request.path, headers, body: request.body ?? null }, handler)
      } catch (error) {
        fail(error)
      }
    })
  }

  /**
   * Closes the connections and refuses to open more: gracefully, destroyed after a short grace.
   * Returns what settles when they are closed, or undefined when there were none.
   */
  close(): Promise<void> | undefined {
    this.#closed = true
    const pool = this.#pool
    this.#pool = undefined
    this.#spare?.destroy()
    this.#spare = undefined
    if (pool === undefined) return undefined
    return closeWithin(pool.close(), CLOSE_GRACE_MS, () => pool.destroy().catch(() => {}))
  }
}
