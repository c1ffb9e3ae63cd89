/**
 * `startPushService`: the local push service, wired from its parts (the store, the HTTP side, the
 * WebSocket side, faults, acks) and run on one HTTP or HTTPS server until `close()`.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { generateSubscriptionKeys, WebPushError } from '@wp/ece'
import { toOptions } from '@wp/ece/utils'
import { selfSignedCertificate } from './cert.js'
import { AckLog } from './internal/acks.js'
import { Faults } from './internal/faults.js'
import { type HttpContext, httpHandler } from './internal/http-api.js'
import { MozillaProtocol } from './internal/mozilla-protocol.js'
import { type ResolvedOptions, resolveOptions } from './internal/options.js'
import { Store } from './internal/store.js'
import { Subscriber } from './internal/subscriber.js'
import type { AckRecord, FaultRule, PushService, PushServiceOptions, TestSubscriber } from './types.js'

class LocalPushService implements PushService {
  url = ''
  webSocketUrl = ''
  certificate: string | undefined
  firefoxPrefs: Record<string, string | number | boolean> = {}

  readonly #store: Store
  readonly #faults = new Faults()
  readonly #acks: AckLog
  readonly #protocol: MozillaProtocol
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #sweeper: NodeJS.Timeout

  constructor(options: ResolvedOptions, faults: unknown) {
    const { limits } = options
    this.#faults.set(faults)
    this.#store = new Store(limits)
    this.#acks = new AckLog(limits)
    this.#protocol = new MozillaProtocol(this.#store, this.#acks, limits, (id) => `${this.url}/push/${id}`)
    const service = this
    const context: HttpContext = {
      store: this.#store,
      faults: this.#faults,
      strict: options.strict,
      maxTtl: options.maxTtlSeconds,
      get url() {
        return service.url
      },
      get webSocketUrl() {
        return service.webSocketUrl
      },
    }
    // Deadlines for slow clients. Node checks them on a beat of its own (30 s by default, which would
    // let a client that never finishes its headers stay far past the deadline).
    const timeouts: ServerOptions = {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(limits.headersTimeoutMs / 4))),
    }
    if (options.tls) {
      const { cert, key } = selfSignedCertificate([options.host])
      this.certificate = cert
      this.#server = createHttpsServer({ cert, key, ...timeouts }, httpHandler(context))
    } else {
      this.#server = createHttpServer(timeouts, httpHandler(context))
    }
    this.#server.keepAliveTimeout = limits.keepAliveTimeoutMs
    this.#server.maxConnections = limits.maxConnections
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#protocol.upgrade(req, socket, head),
    )
    this.#sweeper = setInterval(() => {
      const now = Date.now()
      this.#store.sweep(now)
      this.#acks.sweep(now)
    }, 1000)
    this.#sweeper.unref()
  }

  get acks(): readonly AckRecord[] {
    return this.#acks.records
  }

  get stats(): PushService['stats'] {
    return this.#store.stats
  }

  /**
   * A service listening on `options.host` and `options.port`.
   * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a bad fault rule; `ERR_WP_NETWORK` when the server
   *   cannot listen (the port is taken, the address is not this machine's)
   */
  static async start(options: ResolvedOptions, faults: unknown): Promise<LocalPushService> {
    const service = new LocalPushService(options, faults)
    try {
      await service.#listen(options.host, options.port)
    } catch (error) {
      await service.close()
      throw error
    }
    return service
  }

  async #listen(host: string, port: number): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        this.#server.once('error', reject)
        this.#server.listen(port, host, () => {
          this.#server.off('error', reject)
          resolve()
        })
      })
    } catch (error) {
      const code = (error as { code?: unknown }).code
      throw new WebPushError(
        'ERR_WP_NETWORK',
        `cannot listen on ${host}:${port}${typeof code === 'string' ? ` (${code})` : ''}`,
        { cause: error },
      )
    }
    const address = this.#server.address()
    const actualPort = typeof address === 'object' && address !== null ? address.port : port
    const hostPart = host.includes(':') ? `[${host}]` : host
    const secure = this.certificate !== undefined
    // RFC 8292 §2: `aud` is the origin as browsers serialise it (host in lowercase, no default port), and
    // senders derive it from the endpoint; so the endpoints are built on that same origin.
    this.url = new URL(`${secure ? 'https' : 'http'}://${hostPart}:${actualPort}`).origin
    this.webSocketUrl = `${secure ? 'wss' : 'ws'}${this.url.slice(secure ? 5 : 4)}/`
    this.firefoxPrefs = {
      'dom.push.serverURL': this.webSocketUrl,
      'dom.push.testing.allowInsecureServerURL': true,
      'dom.push.connection.enabled': true,
      'dom.push.testing.ignorePermission': true,
    }
  }

  setFaults(faults: FaultRule | FaultRule[] | undefined): void {
    this.#faults.set(faults)
  }

  async subscribe(options?: { applicationServerKey?: string | Uint8Array }): Promise<TestSubscriber> {
    const { applicationServerKey } = toOptions<{ applicationServerKey: string | Uint8Array }>(options, 'options')
    const keys = await generateSubscriptionKeys()
    const store = this.#store
    const channel = store.open<Subscriber>(
      applicationServerKey,
      (channel) => new Subscriber(store, channel, `${this.url}/push/${channel.id}`, keys),
    )
    return channel.receiver
  }

  waitForAck(id: string, options?: { timeoutMs?: number; type?: 'ack' | 'nack' }): Promise<AckRecord> {
    return this.#acks.waitFor(id, options)
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper)
    this.#protocol.close()
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    await closed
  }
}

/**
 * Starts a local push service: RFC 8030 endpoints for senders, Mozilla's WebSocket protocol for
 * Firefox, and virtual test subscribers.
 * @param options `host` (default 127.0.0.1), `port` (default 0: a free one), `strict` (default true),
 *   `tls` (default false), `faults`, `maxTtlSeconds` (default 2592000), `limits`
 * @returns the running service; `close()` stops it
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for an option, a fault rule or a limit of the wrong
 *   type or range; `ERR_WP_NETWORK` when it cannot listen on `host` and `port`
 * @example
 * const service = await startPushService()
 * const subscriber = await service.subscribe({ applicationServerKey })
 * // send to subscriber.subscription with any Web Push library, then:
 * const { text, claims } = await subscriber.next()
 * await service.close()
 */
export async function startPushService(options: PushServiceOptions = {}): Promise<PushService> {
  return LocalPushService.start(resolveOptions(options), options.faults)
}
