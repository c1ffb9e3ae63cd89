/**
 * The Node transport: its options, `send` and `close`, and what it keeps per origin. Each origin
 * speaks HTTP/1.1 (`h1.ts`: an undici pool) or HTTP/2 (`h2.ts`: one multiplexed session); under
 * `http2: 'auto'` the first connection to an origin offers both in ALPN and the server's choice
 * decides for that origin, the probe's socket becoming the first connection of the chosen one.
 *
 * Origins come from whoever subscribes, so what is kept per origin is bounded: an origin with no
 * request in flight is idle, and is released (its connections closed, its state dropped) after
 * `originIdleMs`, or at once when more than `maxIdleOrigins` are idle, least recently used first.
 */
import { setMaxListeners } from 'node:events'
import type { TLSSocket } from 'node:tls'
import { WebPushError } from '@wp/ece'
import { closedError } from '../internal/errors.js'
import { InFlight } from '../internal/inflight.js'
import { toPrivateNetworkPolicy } from '../internal/private-network.js'
import { type AttemptControl, type RawResponse, toPolicy } from '../internal/send.js'
import type { CheckedRequest } from '../request.js'
import type { PushRequest, PushResponse, SendOptions, Transport, TransportOptions } from '../types.js'
import { type ConnectOptions, checkProxy, openSocket, type Target } from './connect.js'
import { type H1Options, H1Origin } from './h1.js'
import { type H2Options, H2Origin } from './h2.js'

interface OriginState {
  /** The origin, the key of this state. */
  key: string
  target: Target
  /** The protocol chosen for the origin; undefined until the ALPN probe has decided. */
  mode: 'h1' | 'h2' | undefined
  probing: Promise<void> | undefined
  h1: H1Origin
  h2: H2Origin
  /** Attempts running on this origin; at 0 the origin is idle. */
  active: number
  /** The transport's clock when the origin last became idle. */
  idleSince: number
  /** Closed and forgotten: nothing may open a connection for it any more. */
  released: boolean
}

class NodeTransport implements Transport {
  readonly #http2: 'auto' | boolean
  readonly #connect: ConnectOptions
  readonly #h1: H1Options
  readonly #h2: H2Options
  readonly #idleMs: number
  readonly #maxIdle: number
  readonly #sweepEveryMs: number
  readonly #origins = new Map<string, OriginState>()
  /** The idle origins, in the order they became idle: least recently used first. */
  readonly #idle = new Map<string, OriginState>()
  readonly #sends: InFlight
  /** Releases whose connections are still closing. */
  readonly #releasing = new Set<Promise<void>>()
  /** Aborted when close() has let the sends finish: connects still running are cut. */
  readonly #stopConnects = new AbortController()
  /** One unref'd timer per transport, running while it has origins. */
  #sweeper: ReturnType<typeof setInterval> | undefined
  /**
   * `performance.now()` at the last sweep: a coarse clock, so that marking an origin idle costs a
   * property write rather than a clock read.
   */
  #clock = 0

  /** The origins `transport` keeps, and how many of them are idle; undefined for another kind of transport. */
  static counts(transport: Transport): { origins: number; idle: number } | undefined {
    return #origins in transport ? { origins: transport.#origins.size, idle: transport.#idle.size } : undefined
  }

  constructor(options: TransportOptions) {
    const policy = toPolicy(options.timeoutMs, options.retry)
    const http2 = options.http2 ?? 'auto'
    if (http2 !== 'auto' && http2 !== true && http2 !== false)
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', "http2 must be 'auto', true or false")
    this.#http2 = http2
    const maxConnections = options.maxConnectionsPerOrigin ?? 64
    if (!Number.isInteger(maxConnections) || maxConnections < 1)
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'maxConnectionsPerOrigin must be a positive integer')
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
    const allowPrivateNetwork = toPrivateNetworkPolicy(options.allowPrivateNetwork)
    this.#connect = {
      allowPrivateNetwork,
      proxy,
      ca: options.ca,
      lookup: options.lookup as ConnectOptions['lookup'],
      // A connect has the deadline of the attempt that needs it: an attempt cannot outlast it anyway.
      timeoutMs: policy.timeoutMs,
    }
    const userAgent = options.userAgent ?? 'wp-transport'
    const stopConnects = this.#stopConnects.signal
    this.#h1 = { connect: this.#connect, stopConnects, maxConnections, userAgent }
    this.#h2 = { connect: this.#connect, stopConnects, userAgent, timeoutMs: policy.timeoutMs }
    this.#sends = new InFlight(this.#attempt, policy, allowPrivateNetwork)
    // Every connect in progress listens on it: many at once is normal.
    setMaxListeners(0, stopConnects)
  }

  send(request: PushRequest, options?: SendOptions): Promise<PushResponse> {
    return this.#sends.send(request, options)
  }

  /**
   * Stops taking requests and retrying; lets the attempts in flight finish (each within
   * `timeoutMs`), then closes every connection: gracefully, or by force after a short grace.
   */
  async close(): Promise<void> {
    await this.#sends.close()
    this.#stopConnects.abort()
    this.#stopSweeper()
    // Connections still being opened for attempts that gave up fail now; wait for that so that none
    // is made into a session after its origin was released.
    await Promise.allSettled([...this.#origins.values()].flatMap((state) => [state.probing, state.h2.opening]))
    for (const state of [...this.#origins.values()]) this.#release(state)
    while (this.#releasing.size > 0) await Promise.allSettled([...this.#releasing])
  }

  /**
   * One attempt on the request's origin. The origin counts it as active until the attempt settles:
   * `H1Origin.send` and `H2Origin.send` call back `#end` once on every path, which costs less per
   * request than an async wrapper with `finally`.
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
    return state.mode === 'h2' ? state.h2.send(request, control) : state.h1.send(request, control)
  }

  /** An attempt on the origin settled. */
  #end(state: OriginState): void {
    if (--state.active === 0) this.#rest(state)
  }

  #state(request: CheckedRequest): OriginState {
    const known = this.#origins.get(request.origin)
    if (known !== undefined) return known
    const { url } = request
    const target: Target = {
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      endpoint: request.endpoint,
    }
    const settled = () => this.#end(state)
    const state: OriginState = {
      key: request.origin,
      target,
      mode:
        this.#http2 === false || (url.protocol === 'http:' && this.#http2 !== true)
          ? 'h1'
          : this.#http2 === true
            ? 'h2'
            : undefined,
      probing: undefined,
      h1: new H1Origin(target, this.#h1, settled),
      h2: new H2Origin(target, this.#h2, settled, () => {
        // Under 'auto', the next request asks the server again: it may have changed.
        if (this.#http2 === 'auto') state.mode = undefined
      }),
      active: 0,
      idleSince: 0,
      released: false,
    }
    this.#origins.set(request.origin, state)
    if (this.#sweeper === undefined && !this.#sends.stopped) {
      this.#clock = performance.now()
      this.#sweeper = setInterval(this.#sweep, this.#sweepEveryMs)
      this.#sweeper.unref()
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
    const closing = [state.h1.close(), state.h2.close()].filter((p) => p !== undefined)
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
      state.h2.adopt(socket)
    } else {
      state.mode = 'h1'
      state.h1.adopt(socket)
    }
  }
}

/**
 * A transport for Node (also Bun and Deno): pooled keep-alive HTTP/1.1 over undici and multiplexed
 * HTTP/2 over node:http2, through the private-network guard and the optional proxy. `options.fetch`
 * is ignored here: `createTransport` picks the fetch transport for it.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for bad options (the proxy URL included)
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
