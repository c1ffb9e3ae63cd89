/**
 * The Node transport: an undici pool per origin for HTTP/1.1 (keep-alive, bounded connections) and
 * one multiplexed node:http2 session per origin for HTTP/2. Under `http2: 'auto'` the first
 * connection to an origin offers both in ALPN and the server's choice decides for that origin.
 *
 * Origins come from whoever subscribes, so what is kept per origin is bounded: an origin with no
 * request in flight is idle, and is released (its connections closed, its state dropped) after
 * `originIdleMs`, or at once when more than `maxIdleOrigins` are idle, least recently used first.
 */
import { setMaxListeners } from 'node:events'
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect as h2connect,
  constants as h2constants,
  type IncomingHttpHeaders,
} from 'node:http2'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { WebPushError } from '@wp/ece'
import { type Dispatcher, Pool } from 'undici'
import { networkError } from '../errors.js'
import { type AttemptControl, type Policy, type RawResponse, sendWithRetries, toPolicy } from '../internal/send.js'
import { type CheckedRequest, checkRequest } from '../request.js'
import type { PushRequest, PushResponse, SendOptions, Transport, TransportOptions } from '../types.js'
import { type ConnectOptions, checkProxy, openSocket, type Target } from './connect.js'
import { skipInterimAnswers } from './interim.js'

/** Response bodies past this are cut: push services answer in a few hundred bytes. */
const MAX_RESPONSE_BODY = 64 * 1024
/** Headers HTTP/2 forbids (RFC 9113 §8.2.2). */
const CONNECTION_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
])

/** How long closing waits for connections to close gracefully before destroying them, in ms. */
const CLOSE_GRACE_MS = 1000

interface OriginState {
  /** The origin, the key of this state. */
  key: string
  target: Target
  mode: 'h1' | 'h2' | undefined
  probing: Promise<void> | undefined
  pool: Pool | undefined
  /** The probe's socket when the server chose HTTP/1.1: the pool's first connection. */
  spare: Socket | TLSSocket | undefined
  session: ClientHttp2Session | undefined
  /** The HTTP/2 connection being opened, shared by the requests that wait for it. */
  opening: Promise<ClientHttp2Session> | undefined
  /** Attempts running on this origin; at 0 the origin is idle. */
  active: number
  /** The transport's clock when the origin last became idle. */
  idleSince: number
  /** Closed and forgotten: nothing may open a connection for it any more. */
  released: boolean
}

/** What the transport tracks of one HTTP/2 session. */
interface SessionInfo {
  /** Streams open (while any is, the session keeps the process alive). */
  open: number
  /** The last-stream-id of the GOAWAYs received (RFC 9113 §6.8), `Infinity` before any. */
  lastStreamId: number
}

/**
 * Whether a stream that ended without an answer certainly was not processed, so that sending it
 * again is safe: it was never sent (no id), the server refused it (REFUSED_STREAM, RFC 9113 §8.7),
 * or its id is above the last-stream-id of a GOAWAY (§6.8), whatever the GOAWAY's error code.
 */
function unprocessed(stream: ClientHttp2Stream, info: SessionInfo): boolean {
  const id = stream.id
  return id === undefined || stream.rstCode === h2constants.NGHTTP2_REFUSED_STREAM || id > info.lastStreamId
}

/** Settles when `closing` does, or after `ms` with `force()` called. */
function closeWithin(closing: Promise<unknown>, ms: number, force: () => unknown): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      try {
        force()
      } finally {
        resolve()
      }
    }, ms)
    timer.unref()
    const done = () => {
      clearTimeout(timer)
      resolve()
    }
    closing.then(done, done)
  })
}

/** The error of work that outlived its origin's release (the transport was closed). */
function closedError(): WebPushError {
  return new WebPushError('ERR_WP_CLOSED', 'the transport is closed')
}

function hasHeader(headers: Record<string, string>, lower: string): boolean {
  for (const name in headers) if (name.length === lower.length && name.toLowerCase() === lower) return true
  return false
}

function flatten(headers: Record<string, string | string[] | undefined> | IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* : */) continue
    const value = headers[name]
    if (value === undefined) continue
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return out
}

class NodeTransport implements Transport {
  readonly #policy: Policy
  readonly #http2: 'auto' | boolean
  readonly #maxConnections: number
  readonly #connect: ConnectOptions
  readonly #userAgent: string
  readonly #idleMs: number
  readonly #maxIdle: number
  readonly #sweepEveryMs: number
  readonly #origins = new Map<string, OriginState>()
  /** The idle origins, in the order they became idle: least recently used first. */
  readonly #idle = new Map<string, OriginState>()
  readonly #inflight = new Set<Promise<unknown>>()
  readonly #sessions = new WeakMap<ClientHttp2Session, SessionInfo>()
  /** Releases whose connections are still closing. */
  readonly #releasing = new Set<Promise<void>>()
  /** Aborted when close() starts: a send waiting to retry gives up. */
  readonly #stopRetries = new AbortController()
  /** Aborted when close() has let the sends finish: connects still running are cut. */
  readonly #stopConnects = new AbortController()
  /** One unref'd timer per transport, running while it has origins. */
  #sweeper: ReturnType<typeof setInterval> | undefined
  /**
   * `performance.now()` at the last sweep: a coarse clock, so that marking an origin idle costs a
   * property write rather than a clock read.
   */
  #clock = 0
  #closed = false

  /** The origins `transport` keeps, and how many of them are idle; undefined for another kind of transport. */
  static counts(transport: Transport): { origins: number; idle: number } | undefined {
    return #origins in transport ? { origins: transport.#origins.size, idle: transport.#idle.size } : undefined
  }

  constructor(options: TransportOptions) {
    this.#policy = toPolicy(options.timeoutMs, options.retry)
    const http2 = options.http2 ?? 'auto'
    if (http2 !== 'auto' && http2 !== true && http2 !== false)
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', "http2 must be 'auto', true or false")
    this.#http2 = http2
    const max = options.maxConnectionsPerOrigin ?? 64
    if (!Number.isInteger(max) || max < 1)
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'maxConnectionsPerOrigin must be a positive integer')
    this.#maxConnections = max
    const idleMs = options.originIdleMs ?? 60_000
    if (typeof idleMs !== 'number' || !Number.isFinite(idleMs) || idleMs <= 0)
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'originIdleMs must be a positive number of milliseconds')
    this.#idleMs = idleMs
    // Released between 1 and 1.25 times originIdleMs after the last request.
    this.#sweepEveryMs = Math.min(Math.max(idleMs / 8, 1), 2 ** 31 - 1)
    const maxIdle = options.maxIdleOrigins ?? 256
    if (!Number.isInteger(maxIdle) || maxIdle < 0)
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'maxIdleOrigins must be a non-negative integer')
    this.#maxIdle = maxIdle
    const proxy = options.proxy === undefined ? undefined : checkProxy(options.proxy)
    if (options.lookup !== undefined && typeof options.lookup !== 'function')
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'lookup must be a function like dns.lookup')
    this.#connect = {
      allowPrivateNetwork: options.allowPrivateNetwork === true,
      proxy,
      ca: options.ca,
      lookup: options.lookup as ConnectOptions['lookup'],
      // A connect has the deadline of the attempt that needs it: an attempt cannot outlast it anyway.
      timeoutMs: this.#policy.timeoutMs,
    }
    this.#userAgent = options.userAgent ?? 'wp-transport'
    // Every retry wait and every connect in progress listens on these: many at once is normal.
    setMaxListeners(0, this.#stopRetries.signal, this.#stopConnects.signal)
  }

  send(request: PushRequest, options?: SendOptions): Promise<PushResponse> {
    if (this.#closed) return Promise.reject(new WebPushError('ERR_WP_CLOSED', 'the transport is closed'))
    let checked: CheckedRequest
    try {
      checked = checkRequest(request, this.#connect.allowPrivateNetwork)
    } catch (error) {
      return Promise.reject(error)
    }
    const promise = sendWithRetries(this.#attempt, checked, this.#policy, options?.signal, this.#stopRetries.signal)
    this.#inflight.add(promise)
    const done = () => this.#inflight.delete(promise)
    promise.then(done, done)
    return promise
  }

  /**
   * Stops taking requests and retrying; lets the attempts in flight finish (each within
   * `timeoutMs`), then closes every connection: gracefully, or by force after a short grace.
   */
  async close(): Promise<void> {
    this.#closed = true
    this.#stopRetries.abort()
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight])
    this.#stopConnects.abort()
    this.#stopSweeper()
    // Connections still being opened for attempts that gave up fail now; wait for that so that none
    // is made into a session after its origin was released.
    await Promise.allSettled([...this.#origins.values()].flatMap((state) => [state.probing, state.opening]))
    for (const state of [...this.#origins.values()]) this.#release(state)
    while (this.#releasing.size > 0) await Promise.allSettled([...this.#releasing])
  }

  /**
   * One attempt on the request's origin. The origin counts it as active until the attempt settles:
   * `#sendH1` and `#sendH2` call `#end` once on every path, which costs less per request than an
   * async wrapper with `finally`.
   */
  #attempt = (request: CheckedRequest, control: AttemptControl): Promise<RawResponse> => {
    const state = this.#state(request)
    if (state.active++ === 0) this.#idle.delete(state.key)
    if (state.mode !== undefined) return this.#sendOn(state, request, control)
    state.probing ??= this.#probe(state).finally(() => {
      state.probing = undefined
    })
    return state.probing.then(
      () => this.#sendOn(state, request, control),
      (error: unknown) => {
        this.#end(state)
        throw error
      },
    )
  }

  #sendOn(state: OriginState, request: CheckedRequest, control: AttemptControl): Promise<RawResponse> {
    return state.mode === 'h2' ? this.#sendH2(state, request, control) : this.#sendH1(state, request, control)
  }

  /** An attempt on the origin settled. */
  #end(state: OriginState): void {
    if (--state.active === 0) this.#rest(state)
  }

  #state(request: CheckedRequest): OriginState {
    let state = this.#origins.get(request.origin)
    if (state === undefined) {
      const { url } = request
      state = {
        key: request.origin,
        target: {
          protocol: url.protocol,
          hostname: url.hostname,
          port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
          endpoint: request.endpoint,
        },
        mode:
          this.#http2 === false || (url.protocol === 'http:' && this.#http2 !== true)
            ? 'h1'
            : this.#http2 === true
              ? 'h2'
              : undefined,
        probing: undefined,
        pool: undefined,
        spare: undefined,
        session: undefined,
        opening: undefined,
        active: 0,
        idleSince: 0,
        released: false,
      }
      this.#origins.set(request.origin, state)
      if (this.#sweeper === undefined && !this.#closed) {
        this.#clock = performance.now()
        this.#sweeper = setInterval(this.#sweep, this.#sweepEveryMs)
        this.#sweeper.unref()
      }
    }
    return state
  }

  /** The origin has nothing in flight: it joins the idle ones, and the oldest beyond the bound goes. */
  #rest(state: OriginState): void {
    if (state.released) return
    state.idleSince = this.#clock
    this.#idle.set(state.key, state)
    if (this.#idle.size > this.#maxIdle) {
      const oldest = this.#idle.values().next().value as OriginState
      this.#release(oldest)
    }
  }

  /** Releases the origins idle for `originIdleMs`; the idle list is in idle order, so it stops at the first younger one. */
  #sweep = (): void => {
    const now = performance.now()
    this.#clock = now
    // idleSince is the clock of the sweep before the origin became idle, up to one period early.
    const limit = this.#idleMs + this.#sweepEveryMs
    for (const state of this.#idle.values()) {
      if (now - state.idleSince < limit) break
      this.#release(state)
    }
    if (this.#origins.size === 0) this.#stopSweeper()
  }

  #stopSweeper(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper)
    this.#sweeper = undefined
  }

  /** Forgets the origin and closes its connections (gracefully, by force after a grace). */
  #release(state: OriginState): void {
    state.released = true
    if (this.#origins.get(state.key) === state) this.#origins.delete(state.key)
    if (this.#idle.get(state.key) === state) this.#idle.delete(state.key)
    const { pool, session, spare } = state
    state.pool = undefined
    state.session = undefined
    state.spare = undefined
    spare?.destroy()
    const closing: Promise<void>[] = []
    if (pool !== undefined)
      closing.push(closeWithin(pool.close(), CLOSE_GRACE_MS, () => pool.destroy().catch(() => {})))
    if (session !== undefined && !session.closed && !session.destroyed)
      closing.push(
        closeWithin(new Promise<void>((resolve) => session.close(resolve)), CLOSE_GRACE_MS, () => session.destroy()),
      )
    if (closing.length === 0) return
    const done = Promise.all(closing).then(() => {
      this.#releasing.delete(done)
    })
    this.#releasing.add(done)
  }

  /** Opens the first connection offering h2 and http/1.1, and keeps it for whichever the server chose. */
  async #probe(state: OriginState): Promise<void> {
    const socket = await openSocket(state.target, ['h2', 'http/1.1'], this.#connect, this.#stopConnects.signal)
    if (state.released) {
      socket.destroy()
      throw closedError()
    }
    if ((socket as TLSSocket).alpnProtocol === 'h2') {
      state.mode = 'h2'
      this.#openSession(state, socket)
    } else {
      state.mode = 'h1'
      state.spare = socket
    }
  }

  #pool(state: OriginState): Pool {
    if (state.pool === undefined) {
      if (state.released) throw closedError()
      const { target } = state
      state.pool = new Pool(`${target.protocol}//${target.hostname}${target.port ? `:${target.port}` : ''}`, {
        connections: this.#maxConnections,
        pipelining: 1,
        connect: (_options, callback) => {
          const spare = state.spare
          state.spare = undefined
          if (spare !== undefined && !spare.destroyed) {
            skipInterimAnswers(spare)
            // undici expects the callback after connect() has returned.
            queueMicrotask(() => callback(null, spare))
            return
          }
          const alpn = target.protocol === 'https:' ? ['http/1.1'] : undefined
          openSocket(target, alpn, this.#connect, this.#stopConnects.signal).then(
            (socket) => {
              skipInterimAnswers(socket)
              callback(null, socket)
            },
            (error) => callback(error, null),
          )
        },
      })
    }
    return state.pool
  }

  /**
   * HTTP/1.1 through undici's dispatch API: the answer arrives in callbacks, with no response
   * stream, no async iterator and no AbortSignal per request (cancelling calls undici's abort).
   */
  #sendH1(state: OriginState, request: CheckedRequest, control: AttemptControl): Promise<RawResponse> {
    const headers: Record<string, string> = { ...request.headers }
    // One User-Agent: the request's own (in any case) wins over ours.
    if (!hasHeader(headers, 'user-agent')) headers['user-agent'] = this.#userAgent
    return new Promise<RawResponse>((resolve, reject) => {
      let status = 0
      let responseHeaders: Record<string, string> = {}
      const chunks: Buffer[] = []
      let size = 0
      let done = false
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (controller) => {
          control.onCancel = (reason) => controller.abort(reason as Error)
        },
        onResponseStart: (_controller, statusCode, h) => {
          if (statusCode < 200) return // 1xx informational answers come before the real one
          status = statusCode
          responseHeaders = flatten(h)
        },
        onResponseData: (_controller, chunk) => {
          size += chunk.length
          if (size <= MAX_RESPONSE_BODY) chunks.push(chunk)
        },
        onResponseEnd: () => {
          if (done) return
          done = true
          const raw: RawResponse = {
            status,
            headers: responseHeaders,
            body: chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8'),
            protocol: 'http/1.1',
          }
          // undici frees the connection in a setImmediate it queues right after this callback
          // (pipelining 1); a request sent before that would open a second connection. Resolve in
          // the check phase after that one.
          setImmediate(() =>
            setImmediate(() => {
              this.#end(state)
              resolve(raw)
            }),
          )
        },
        onResponseError: (_controller, error) => {
          if (done) return
          done = true
          this.#end(state)
          reject(this.#wrap(request, error))
        },
      }
      try {
        this.#pool(state).dispatch({ method: 'POST', path: request.path, headers, body: request.body ?? null }, handler)
      } catch (error) {
        if (done) return
        done = true
        this.#end(state)
        reject(this.#wrap(request, error))
      }
    })
  }

  #wrap(request: CheckedRequest, error: unknown): unknown {
    if (WebPushError.is(error)) return error
    const code = (error as { code?: string })?.code
    if (code === 'UND_ERR_ABORTED' || (error as Error)?.name === 'AbortError') return error
    // A connector failure reaches us as the cause or as itself.
    const cause = (error as { cause?: unknown })?.cause
    if (WebPushError.is(cause)) return cause
    return networkError(request.endpoint, error, code === 'UND_ERR_CONNECT_TIMEOUT')
  }

  #openSession(state: OriginState, socket: Socket | TLSSocket): ClientHttp2Session {
    const { target } = state
    const session = h2connect(`${target.protocol}//${target.hostname}:${target.port}`, {
      createConnection: () => socket,
      // No server push (RFC 9113 §6.5.2, §8.4): a push service has nothing to push to a sender.
      settings: { enablePush: false },
    })
    const info: SessionInfo = { open: 0, lastStreamId: Number.POSITIVE_INFINITY }
    this.#sessions.set(session, info)
    state.session = session
    session.unref()
    // The server's connection preface is a SETTINGS frame (RFC 9113 §3.4): a server that never sends
    // one is a stalled connect, dropped at the same deadline.
    const preface = setTimeout(() => {
      session.destroy(Object.assign(new Error('no SETTINGS from the server'), { code: 'ETIMEDOUT' }))
    }, this.#policy.timeoutMs)
    preface.unref()
    session.once('remoteSettings', () => clearTimeout(preface))
    const forget = () => {
      if (state.session === session) {
        state.session = undefined
        // Re-decide on the next request: the server may have changed.
        if (this.#http2 === 'auto') state.mode = undefined
      }
    }
    session.on('close', () => {
      clearTimeout(preface)
      forget()
    })
    session.on('goaway', (_code: number, lastStreamId: number) => {
      // Streams above it were not processed, whatever the code, and may be sent again (§6.8).
      if (lastStreamId < info.lastStreamId) info.lastStreamId = lastStreamId
      forget()
    })
    session.on('error', forget)
    // Push is off, and a pushed stream is refused all the same: one left open would hold the session.
    session.on('stream', (stream: ClientHttp2Stream) => stream.close(h2constants.NGHTTP2_REFUSED_STREAM))
    return session
  }

  #session(state: OriginState): Promise<ClientHttp2Session> {
    const current = state.session
    if (current !== undefined && !current.closed && !current.destroyed) return Promise.resolve(current)
    // Concurrent requests share one new connection instead of each opening its own.
    state.opening ??= this.#openH2(state).finally(() => {
      state.opening = undefined
    })
    return state.opening
  }

  async #openH2(state: OriginState): Promise<ClientHttp2Session> {
    const socket = await openSocket(
      state.target,
      state.target.protocol === 'https:' ? ['h2'] : undefined,
      this.#connect,
      this.#stopConnects.signal,
    )
    if (state.released) {
      socket.destroy()
      throw closedError()
    }
    if (state.target.protocol === 'https:' && (socket as TLSSocket).alpnProtocol !== 'h2') {
      socket.destroy()
      throw networkError(
        state.target.endpoint,
        Object.assign(new Error('the server does not speak HTTP/2'), { code: 'ENOH2' }),
        true,
      )
    }
    return this.#openSession(state, socket)
  }

  async #sendH2(state: OriginState, request: CheckedRequest, control: AttemptControl): Promise<RawResponse> {
    let session: ClientHttp2Session
    try {
      session = await this.#session(state)
    } catch (error) {
      this.#end(state)
      throw error
    }
    const headers: Record<string, string> = {
      ':method': 'POST',
      ':path': request.path,
      'user-agent': this.#userAgent,
      'content-length': String(request.body?.length ?? 0),
    }
    for (const name in request.headers) {
      const lower = name.toLowerCase()
      if (!CONNECTION_HEADERS.has(lower)) headers[lower] = request.headers[name] as string
    }
    // Keep the process alive while a stream is open, per session: a session that went away may still
    // finish streams after its successor opened.
    const info = this.#sessions.get(session) as SessionInfo
    if (info.open++ === 0) session.ref()
    return new Promise<RawResponse>((resolve, reject) => {
      let stream: ClientHttp2Stream
      let settled = false
      const finish = (error: unknown, value?: RawResponse) => {
        if (settled) return
        settled = true
        this.#end(state)
        control.onCancel = undefined
        if (--info.open === 0 && !session.destroyed) session.unref()
        if (error !== undefined) reject(error)
        else resolve(value as RawResponse)
      }
      const onAbort = () => {
        stream?.close(h2constants.NGHTTP2_CANCEL)
        finish(Object.assign(new Error('aborted'), { name: 'AbortError' }))
      }
      try {
        stream = session.request(headers, { endStream: request.body === undefined || request.body.length === 0 })
      } catch (error) {
        finish(networkError(request.endpoint, error, true))
        return
      }
      control.onCancel = onAbort
      let status = 0
      let responseHeaders: Record<string, string> = {}
      const chunks: Buffer[] = []
      let size = 0
      stream.on('response', (h) => {
        status = Number(h[':status'])
        responseHeaders = flatten(h)
      })
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= MAX_RESPONSE_BODY) chunks.push(chunk)
      })
      stream.on('end', () => {
        // The stream can end without a response when the session goes away under it.
        if (status === 0) {
          const error = Object.assign(new Error('stream ended without a response'), { code: `RST_${stream.rstCode}` })
          finish(networkError(request.endpoint, error, unprocessed(stream, info)))
          return
        }
        finish(undefined, {
          status,
          headers: responseHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
          protocol: 'h2',
        })
      })
      stream.on('error', (error) => {
        // Refused or above a GOAWAY's last-stream-id: the server did not process it, a retry is safe.
        finish(networkError(request.endpoint, error, unprocessed(stream, info)))
      })
      stream.on('close', () => {
        if (!settled) {
          const error = Object.assign(new Error('stream closed'), { code: `RST_${stream.rstCode}` })
          finish(networkError(request.endpoint, error, unprocessed(stream, info)))
        }
      })
      if (request.body !== undefined && request.body.length > 0) stream.end(request.body)
    })
  }
}

/**
 * A transport for Node (also Bun and Deno): pooled HTTP/1.1 over undici and multiplexed HTTP/2.
 * With `fetch` in the options, requests go through that `fetch` instead.
 */
export function createNodeTransport(options: TransportOptions = {}): Transport {
  return new NodeTransport(options)
}

/**
 * How many origins a Node transport keeps state and connections for, and how many of those are
 * idle. For tests and diagnostics; not exported from the package.
 */
export function originCounts(transport: Transport): { origins: number; idle: number } | undefined {
  return NodeTransport.counts(transport)
}
