/**
 * The local push service: RFC 8030 on the HTTP side, Mozilla's WebSocket push protocol on the user
 * agent side, and virtual test subscribers that decrypt what they receive.
 */
import { randomUUID } from 'node:crypto'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import {
  base64urlDecode,
  base64urlEncode,
  type ContentEncoding,
  decryptWebPush,
  generateSubscriptionKeys,
  WebPushError,
} from '@wp/ece'
import { parseCryptoParams } from '@wp/ece/utils'
import { type VapidClaims, verifyVapidToken } from '@wp/vapid'
import { type RawData, type WebSocket, WebSocketServer } from 'ws'
import { selfSignedCertificate } from './internal/cert.js'
import { type AckUpdate, type ClientFrame, parseClientFrame } from './internal/frames.js'
import { type Limits, resolveLimits } from './internal/limits.js'
import { requestPath } from './internal/request-target.js'
import { isUserAgentOrigin, probe, refuseUpgrade } from './internal/websocket.js'
import type { AckRecord, FaultRule, PushService, PushServiceOptions, ReceivedPush, TestSubscriber } from './types.js'

/** RFC 8030 §7.2: push services must accept at least 4096 bytes of body; like the big ones, we take no more. */
const MAX_BODY = 4096
const URGENCIES = new Set(['very-low', 'low', 'normal', 'high'])
/** RFC 8030 §5.4: a topic is at most 32 characters of the URL and filename safe base64 alphabet. */
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/
/** The uaids this service hands out (autopush's: a UUID without hyphens). */
const UAID = /^[0-9a-f]{32}$/i
/** How long the connection holding a uaid has to answer a ping when a new hello asks for that uaid. */
const UAID_PROBE_MS = 2000
/**
 * Unread bytes a connection may leave on top of its waiting notifications (at most 8 KiB each: 4096
 * bytes of body in base64url and the headers) before it is cut rather than buffered for.
 */
const UNREAD_ALLOWANCE = 1_048_576
const NOTIFICATION_BYTES = 8192

const newId = (): string => randomUUID().replace(/-/g, '')

/** An error answer in autopush's shape. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errno: number,
    message: string,
    readonly extraHeaders: Record<string, string> = {},
  ) {
    super(message)
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  410: 'Gone',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
}

interface Message {
  id: string
  channel: Channel
  body: Uint8Array | undefined
  encoding: ContentEncoding | undefined
  headers: Record<string, string>
  claims: VapidClaims | undefined
  topic: string | undefined
  urgency: string
  expiresAt: number
  /** Sent over the WebSocket and waiting for its ack. */
  sent: boolean
}

interface Channel {
  id: string
  /** The subscription's application server key, when it was made with one. */
  key: Uint8Array | undefined
  gone: boolean
  /** Messages waiting, and (on a WebSocket channel) sent and not acked; changed only through #setPending. */
  pending: Message[]
  /** A WebSocket (Firefox) subscription: its user agent and Firefox's channelID. */
  agent?: UserAgent
  channelID?: string
  /** A virtual test subscriber. */
  subscriber?: Subscriber
}

/** A uaid: its channels, what they hold, and the one connection bound to it while there is one. */
interface UserAgent {
  uaid: string
  /** By Firefox's channelID. */
  channels: Map<string, Channel>
  /** Messages in the `pending` of its channels. */
  pending: number
  connection: Connection | undefined
}

/** One WebSocket: `new` until its hello, `hello` while its uaid is settled, then `ready` until `closed`. */
interface Connection {
  ws: WebSocket
  state: 'new' | 'hello' | 'ready' | 'closed'
  agent: UserAgent | undefined
  helloTimer: NodeJS.Timeout | undefined
}

class Subscriber implements TestSubscriber {
  subscription: TestSubscriber['subscription']
  keys: TestSubscriber['keys']
  #online = true
  #arrived: Promise<ReceivedPush>[] = []
  #waiting: ((value: Promise<ReceivedPush>) => void)[] = []

  constructor(
    private readonly service: LocalPushService,
    readonly channel: Channel,
    keys: TestSubscriber['keys'],
  ) {
    this.keys = keys
    this.subscription = {
      endpoint: `${service.url}/push/${channel.id}`,
      expirationTime: null,
      keys: { p256dh: base64urlEncode(keys.publicKey), auth: base64urlEncode(keys.auth) },
    }
  }

  get online(): boolean {
    return this.#online
  }

  get pending(): number {
    return this.#arrived.length
  }

  /** Takes a message: decrypts it and hands it to `next()`. */
  receive(message: Message): void {
    const received = this.#decrypt(message)
    received.catch(() => {}) // observed through next()
    const waiter = this.#waiting.shift()
    if (waiter) waiter(received)
    else this.#arrived.push(received)
  }

  async #decrypt(message: Message): Promise<ReceivedPush> {
    const payload =
      message.body === undefined
        ? new Uint8Array(0)
        : await decryptWebPush(message.body, this.keys, {
            encoding: message.encoding ?? 'aes128gcm',
            headers: message.headers,
          })
    return {
      payload,
      text: new TextDecoder().decode(payload),
      headers: message.headers,
      encoding: message.encoding,
      claims: message.claims,
      id: message.id,
    }
  }

  next(options: { timeoutMs?: number } = {}): Promise<ReceivedPush> {
    const ready = this.#arrived.shift()
    if (ready) return ready
    const timeoutMs = options.timeoutMs ?? 10_000
    return new Promise<ReceivedPush>((resolve, reject) => {
      const waiter = (value: Promise<ReceivedPush>) => {
        clearTimeout(timer)
        value.then(resolve, reject)
      }
      const timer = setTimeout(() => {
        this.#waiting = this.#waiting.filter((w) => w !== waiter)
        reject(new WebPushError('ERR_WP_TIMEOUT', `no push message arrived within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiting.push(waiter)
    })
  }

  disconnect(): void {
    this.#online = false
  }

  connect(): void {
    this.#online = true
    this.service.flush(this.channel)
  }

  async unsubscribe(): Promise<void> {
    this.service.retire(this.channel)
  }
}

/** Parameters of an `Encryption`/`Crypto-Key` value, unquoted, without base64 padding (as autopush hands them on). */
function normaliseCryptoHeader(value: string): string {
  return value
    .split(',')
    .map((entry) =>
      entry
        .split(';')
        .map((param) => {
          const eq = param.indexOf('=')
          if (eq < 0) return param.trim()
          const name = param.slice(0, eq).trim()
          const v = param
            .slice(eq + 1)
            .trim()
            .replace(/"/g, '')
            .replace(/=+$/, '')
          return `${name}=${v}`
        })
        .join(';'),
    )
    .join(',')
}

function cryptoParam(value: string | undefined, name: string): string | undefined {
  return value === undefined ? undefined : parseCryptoParams(value)[name]
}

export class LocalPushService implements PushService {
  url = ''
  webSocketUrl = ''
  certificate: string | undefined
  firefoxPrefs: Record<string, string | number | boolean> = {}
  readonly acks: AckRecord[] = []
  readonly stats = { requests: 0, accepted: 0, delivered: 0, expired: 0, replaced: 0 }

  readonly #strict: boolean
  readonly #maxTtl: number
  readonly #limits: Limits
  #faults: (FaultRule & { used: number })[] = []
  readonly #channels = new Map<string, Channel>()
  /** Unsubscribed channel ids and when they went: they answer 410 while they are here. */
  readonly #gone = new Map<string, number>()
  readonly #agents = new Map<string, UserAgent>()
  readonly #webSockets = new Set<Connection>()
  /** WebSocket channels over every uaid. */
  #agentChannels = 0
  /** Messages in the `pending` of every channel. */
  #pendingTotal = 0
  /** When each of `acks` was recorded. */
  readonly #ackTimes: number[] = []
  readonly #ackWaiters = new Map<string, ((record: AckRecord) => void)[]>()
  readonly #server: Server
  readonly #wss: WebSocketServer
  readonly #connections = new Set<Socket>()
  readonly #sweeper: NodeJS.Timeout

  constructor(options: PushServiceOptions) {
    this.#strict = options.strict ?? true
    this.#maxTtl = options.maxTtlSeconds ?? 2_592_000
    const limits = resolveLimits(options.limits)
    this.#limits = limits
    this.setFaults(options.faults)
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((error: unknown) => {
        try {
          if (!res.headersSent) this.#answerError(res, error)
          else res.destroy()
        } catch {
          res.destroy()
        }
      })
    }
    // Deadlines for slow clients. Node checks them on a beat of its own (30 s by default, which would
    // let a client that never finishes its headers stay far past the deadline).
    const timeouts: ServerOptions = {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(limits.headersTimeoutMs / 4))),
    }
    if (options.tls) {
      const { cert, key } = selfSignedCertificate(options.host === undefined ? [] : [options.host])
      this.certificate = cert
      this.#server = createHttpsServer({ cert, key, ...timeouts }, handler)
    } else {
      this.#server = createHttpServer(timeouts, handler)
    }
    this.#server.keepAliveTimeout = limits.keepAliveTimeoutMs
    this.#server.maxConnections = limits.maxConnections
    this.#server.on('connection', (socket: Socket) => {
      this.#connections.add(socket)
      socket.on('close', () => this.#connections.delete(socket))
    })
    this.#wss = new WebSocketServer({
      noServer: true,
      // ws reads a frame's length first and closes with 1009 before reading a byte past this.
      maxPayload: limits.maxFrameBytes,
      handleProtocols: (protocols) => (protocols.has('push-notification') ? 'push-notification' : false),
    })
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(req, socket, head),
    )
    this.#sweeper = setInterval(() => this.#sweep(), 1000)
    this.#sweeper.unref()
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
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
    const list = faults === undefined ? [] : Array.isArray(faults) ? faults : [faults]
    for (const rule of list) {
      if (typeof rule !== 'object' || rule === null) throw new TypeError('a fault rule must be an object')
      if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1))
        throw new RangeError('fault rate must be from 0 to 1')
    }
    this.#faults = list.map((rule) => ({ ...rule, used: 0 }))
  }

  async subscribe(options: { applicationServerKey?: string | Uint8Array } = {}): Promise<TestSubscriber> {
    const keys = await generateSubscriptionKeys()
    const channel = this.#newChannel(options.applicationServerKey)
    const subscriber = new Subscriber(this, channel, keys)
    channel.subscriber = subscriber
    return subscriber
  }

  waitForAck(id: string, options: { timeoutMs?: number; type?: 'ack' | 'nack' } = {}): Promise<AckRecord> {
    const type = options.type ?? 'ack'
    const found = this.acks.find((a) => a.id === id && a.type === type)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const key = `${type}:${id}`
      const waiter = (record: AckRecord) => {
        clearTimeout(timer)
        resolve(record)
      }
      const timer = setTimeout(() => {
        const left = (this.#ackWaiters.get(key) ?? []).filter((w) => w !== waiter)
        if (left.length > 0) this.#ackWaiters.set(key, left)
        else this.#ackWaiters.delete(key)
        reject(
          new WebPushError('ERR_WP_TIMEOUT', `no ${type} for message ${id} within ${options.timeoutMs ?? 10_000} ms`),
        )
      }, options.timeoutMs ?? 10_000)
      this.#ackWaiters.set(key, [...(this.#ackWaiters.get(key) ?? []), waiter])
    })
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper)
    for (const connection of this.#webSockets) {
      clearTimeout(connection.helloTimer)
      connection.ws.terminate()
    }
    this.#wss.close()
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#connections) socket.destroy()
    await closed
  }

  #newChannel(key: string | Uint8Array | undefined): Channel {
    let bytes: Uint8Array | undefined
    if (key !== undefined) {
      bytes = typeof key === 'string' ? base64urlDecode(key, 'applicationServerKey') : key
      if (bytes.length !== 65 || bytes[0] !== 4)
        throw new WebPushError(
          'ERR_WP_INVALID_ARGUMENT',
          'applicationServerKey must be a 65-byte uncompressed P-256 key',
        )
    }
    const channel: Channel = { id: newId(), key: bytes, gone: false, pending: [] }
    this.#channels.set(channel.id, channel)
    return channel
  }

  /**
   * Unsubscribes a channel: what waits for it is dropped and the channel forgotten; its endpoint
   * answers 410 for `goneRetentionMs`, or until `maxGone` newer ones push it out, then 404.
   */
  retire(channel: Channel): void {
    if (channel.gone) return
    this.#setPending(channel, [])
    channel.gone = true
    this.#channels.delete(channel.id)
    const agent = channel.agent
    if (agent !== undefined && channel.channelID !== undefined && agent.channels.get(channel.channelID) === channel) {
      agent.channels.delete(channel.channelID)
      this.#agentChannels--
      if (agent.channels.size === 0 && agent.connection === undefined) this.#agents.delete(agent.uaid)
    }
    this.#gone.set(channel.id, Date.now())
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.#gone.size > this.#limits.maxGone) this.#gone.delete(this.#gone.keys().next().value as string)
  }

  /** Replaces a channel's messages, keeping the counts of its user agent and of the service. */
  #setPending(channel: Channel, pending: Message[]): void {
    const delta = pending.length - channel.pending.length
    channel.pending = pending
    this.#pendingTotal += delta
    if (channel.agent !== undefined) channel.agent.pending += delta
  }

  // ---- HTTP side -------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = requestPath(req.url ?? '/')
    if (path === undefined) throw new HttpError(400, 102, 'Invalid URL endpoint: the request target must be a path')
    const push = /^\/push\/([A-Za-z0-9_-]+)$/.exec(path)
    const message = /^\/m\/([A-Za-z0-9_-]+)$/.exec(path)
    if (push && req.method === 'POST') return this.#onPush(req, res, push[1] as string)
    if (message && req.method === 'DELETE') return this.#onDelete(res, message[1] as string)
    if (path === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ service: '@wp/push-service', url: this.url, webSocketUrl: this.webSocketUrl }))
      return
    }
    throw new HttpError(
      push || message ? 405 : 404,
      102,
      push || message ? 'Method not allowed' : 'Invalid URL endpoint',
    )
  }

  /** Draws the fault rules; returns true when the request was answered (or dropped) by a fault. */
  async #fault(req: IncomingMessage): Promise<boolean> {
    for (const rule of this.#faults) {
      if (rule.count !== undefined && rule.used >= rule.count) continue
      if (Math.random() >= (rule.rate ?? 1)) continue
      rule.used++
      if (rule.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs))
      if (rule.drop) {
        req.socket.destroy()
        return true
      }
      if (rule.status !== undefined) {
        req.resume()
        const headers: Record<string, string> = {}
        if (rule.retryAfterSeconds !== undefined) headers['retry-after'] = String(rule.retryAfterSeconds)
        throw new HttpError(
          rule.status,
          rule.status === 429 || rule.status === 503 ? 201 : 999,
          'Injected fault',
          headers,
        )
      }
    }
    return false
  }

  async #readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
    const declared = Number(req.headers['content-length'] ?? Number.NaN)
    if (declared > MAX_BODY) {
      req.resume()
      throw new HttpError(413, 104, `Data payload too large: ${declared} bytes, the limit is ${MAX_BODY}`)
    }
    // Not `for await`: leaving it early destroys the request, which leaves a paused keep-alive socket
    // that never serves the next request. Past the limit, answer 413 at once and read the rest to nowhere.
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      req.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= MAX_BODY) chunks.push(chunk)
        else if (size - chunk.length <= MAX_BODY)
          reject(new HttpError(413, 104, `Data payload too large: more than ${MAX_BODY} bytes`))
      })
      req.on('end', () => resolve(size === 0 ? undefined : new Uint8Array(Buffer.concat(chunks))))
      req.on('error', reject)
    })
  }

  async #onPush(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    this.stats.requests++
    if (await this.#fault(req)) return
    const channel = this.#channels.get(id)
    if (channel === undefined) {
      req.resume()
      if (this.#gone.has(id)) throw new HttpError(410, 106, 'Invalid subscription: it was unsubscribed')
      throw new HttpError(404, 102, 'Invalid URL endpoint: no such subscription')
    }
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value

    // RFC 8030 §5.2: TTL is required.
    let ttl = 0
    if (headers.ttl === undefined) {
      if (this.#strict) throw new HttpError(400, 111, 'Missing TTL header')
    } else if (!/^\d+$/.test(headers.ttl.trim())) {
      throw new HttpError(400, 112, 'Invalid TTL header value: use a number of seconds')
    } else ttl = Math.min(Number(headers.ttl.trim()), this.#maxTtl)

    const urgency = headers.urgency ?? 'normal'
    if (!URGENCIES.has(urgency)) throw new HttpError(400, 111, 'Invalid Urgency header: very-low, low, normal or high')
    const topic = headers.topic
    if (topic !== undefined && !TOPIC.test(topic))
      throw new HttpError(400, 113, 'Invalid Topic header value: at most 32 characters of base64url')

    const claims = await this.#checkVapid(channel, headers)
    const body = await this.#readBody(req)

    let encoding: ContentEncoding | undefined
    if (body !== undefined) {
      const ce = headers['content-encoding']
      if (ce === undefined) throw new HttpError(400, 110, 'Missing Content-Encoding header for a message with a body')
      if (ce !== 'aes128gcm' && ce !== 'aesgcm')
        throw new HttpError(400, 110, `Unknown Content-Encoding "${ce.slice(0, 32)}": use aes128gcm`)
      encoding = ce
      if (ce === 'aesgcm') {
        if (cryptoParam(headers.encryption, 'salt') === undefined)
          throw new HttpError(400, 101, 'Missing salt in the Encryption header')
        if (cryptoParam(headers['crypto-key'], 'dh') === undefined)
          throw new HttpError(400, 101, 'Missing dh in the Crypto-Key header')
      } else if (body.length < 21 + 65 + 17) {
        throw new HttpError(400, 110, 'The aes128gcm body is too short to hold its header and a record')
      }
    }

    // RFC 8030 §5.2: a TTL of 0 for a receiver that is not online is dropped, so it takes no room.
    if (ttl !== 0 || this.#isOnline(channel)) this.#admit(channel, topic)

    const message: Message = {
      id: newId(),
      channel,
      body,
      encoding,
      headers,
      claims,
      topic,
      urgency,
      // A TTL of 0 gets a second's grace while it is handed to an online receiver.
      expiresAt: Date.now() + (ttl === 0 ? 1000 : ttl * 1000),
      sent: false,
    }
    this.stats.accepted++
    res.writeHead(201, { location: `${this.url}/m/${message.id}`, ttl: String(ttl) })
    res.end()
    this.#enqueue(message, ttl)
  }

  async #checkVapid(channel: Channel, headers: Record<string, string>): Promise<VapidClaims | undefined> {
    const authorization = headers.authorization
    if (authorization === undefined) {
      if (channel.key !== undefined && this.#strict)
        throw new HttpError(
          401,
          109,
          'Missing Authorization header: this subscription was made with an applicationServerKey',
        )
      return undefined
    }
    let token: string | undefined
    let key: string | undefined
    const vapid = /^vapid\s+(.*)$/i.exec(authorization)
    if (vapid) {
      for (const part of (vapid[1] as string).split(',')) {
        const eq = part.indexOf('=')
        const name = part.slice(0, eq).trim().toLowerCase()
        const value = part.slice(eq + 1).trim()
        if (name === 't') token = value
        else if (name === 'k') key = value
      }
    } else {
      const legacy = /^(?:WebPush|Bearer)\s+(\S+)$/i.exec(authorization)
      if (legacy) {
        token = legacy[1]
        key = cryptoParam(headers['crypto-key'], 'p256ecdsa')
      }
    }
    if (token === undefined || key === undefined)
      throw new HttpError(401, 109, 'Invalid Authorization header: expected "vapid t=<jwt>, k=<key>"')
    let keyBytes: Uint8Array
    try {
      keyBytes = base64urlDecode(key.replace(/=+$/, ''), 'k')
    } catch {
      throw new HttpError(401, 109, 'Invalid VAPID public key: not base64url')
    }
    if (channel.key !== undefined && base64urlEncode(channel.key) !== base64urlEncode(keyBytes))
      throw new HttpError(
        403,
        109,
        'VAPID key mismatch: the token is signed by another key than the subscription was made with',
      )
    try {
      return await verifyVapidToken(token, keyBytes, { audience: this.url })
    } catch (error) {
      const reason = WebPushError.is(error) ? error.message : 'invalid token'
      throw new HttpError(401, 109, `Invalid VAPID token: ${reason}`)
    }
  }

  /** Refuses a message there is no room for: 429 with autopush's errno 201 (retry later, with back-off). */
  #admit(channel: Channel, topic: string | undefined): void {
    // RFC 8030 §5.4: a message that replaces a waiting one with the same topic takes no more room.
    if (topic !== undefined && channel.pending.some((m) => !m.sent && m.topic === topic)) return
    const limits = this.#limits
    const full =
      channel.pending.length + (channel.subscriber?.pending ?? 0) >= limits.maxPendingPerChannel
        ? `${limits.maxPendingPerChannel} for this subscription`
        : channel.agent !== undefined && channel.agent.pending >= limits.maxPendingPerUaid
          ? `${limits.maxPendingPerUaid} for this user agent`
          : this.#pendingTotal >= limits.maxPendingMessages
            ? `${limits.maxPendingMessages} in all`
            : undefined
    if (full !== undefined) throw new HttpError(429, 201, `Too many messages waiting: at most ${full}`)
  }

  #onDelete(res: ServerResponse, id: string): void {
    for (const channel of this.#channels.values()) {
      const found = channel.pending.find((m) => m.id === id && !m.sent)
      if (found !== undefined) {
        this.#setPending(
          channel,
          channel.pending.filter((m) => m !== found),
        )
        res.writeHead(204)
        res.end()
        return
      }
    }
    throw new HttpError(404, 102, 'No such message waiting')
  }

  #answerError(res: ServerResponse, error: unknown): void {
    const e = error instanceof HttpError ? error : new HttpError(500, 999, 'Unknown error')
    const body = JSON.stringify({
      code: e.status,
      errno: e.errno,
      error: REASONS[e.status] ?? 'Error',
      message: e.message,
      more_info: 'https://mozilla-services.github.io/autopush-rs/errors.html',
    })
    res.writeHead(e.status, { 'content-type': 'application/json', ...e.extraHeaders })
    res.end(body)
  }

  // ---- delivery --------------------------------------------------------------------------------

  #enqueue(message: Message, ttl: number): void {
    const channel = message.channel
    // RFC 8030 §5.4: a new message with the same topic replaces one that is still waiting.
    if (message.topic !== undefined) {
      const kept = channel.pending.filter((m) => m.sent || m.topic !== message.topic)
      this.stats.replaced += channel.pending.length - kept.length
      this.#setPending(channel, kept)
    }
    const online = this.#isOnline(channel)
    // RFC 8030 §5.2: a TTL of 0 means deliver now or never.
    if (ttl === 0 && !online) {
      this.stats.expired++
      return
    }
    this.#setPending(channel, [...channel.pending, message])
    if (online) this.flush(channel)
  }

  #isOnline(channel: Channel): boolean {
    if (channel.subscriber) return channel.subscriber.online
    return channel.agent?.connection !== undefined
  }

  /** Delivers what is waiting on a channel whose receiver is online. */
  flush(channel: Channel): void {
    if (channel.gone || !this.#isOnline(channel)) return
    const now = Date.now()
    const keep: Message[] = []
    const ws = channel.agent?.connection?.ws
    for (const message of channel.pending) {
      if (message.sent) {
        keep.push(message)
        continue
      }
      if (message.expiresAt < now) {
        this.stats.expired++
        continue
      }
      if (channel.subscriber) {
        this.stats.delivered++
        channel.subscriber.receive(message)
        continue
      }
      if (ws === undefined || ws.readyState !== ws.OPEN) {
        keep.push(message)
        continue
      }
      ws.send(JSON.stringify(this.#notification(message)))
      message.sent = true
      this.stats.delivered++
      keep.push(message)
    }
    this.#setPending(channel, keep)
  }

  /** Mozilla's notification frame: the body in base64url and the headers Firefox decrypts with. */
  #notification(message: Message): Record<string, unknown> {
    const frame: Record<string, unknown> = {
      messageType: 'notification',
      channelID: message.channel.channelID,
      version: message.id,
    }
    if (message.body !== undefined) {
      frame.data = base64urlEncode(message.body)
      const headers: Record<string, string> = { encoding: message.encoding as string }
      if (message.encoding === 'aesgcm') {
        if (message.headers.encryption) headers.encryption = normaliseCryptoHeader(message.headers.encryption)
        if (message.headers['crypto-key']) headers.crypto_key = normaliseCryptoHeader(message.headers['crypto-key'])
      }
      frame.headers = headers
    }
    return frame
  }

  #sweep(): void {
    const now = Date.now()
    for (const channel of this.#channels.values()) {
      if (channel.pending.length === 0) continue
      // RFC 8030 §5.2: past its TTL a message is not delivered, and one sent and never acked is not sent again.
      const kept = channel.pending.filter((m) => m.expiresAt >= now)
      if (kept.length === channel.pending.length) continue
      this.stats.expired += channel.pending.length - kept.length
      this.#setPending(channel, kept)
    }
    // Acks are recorded in time order, and unsubscribed ids in the order they went: the old ones come first.
    let old = 0
    while (old < this.#ackTimes.length && (this.#ackTimes[old] as number) < now - this.#limits.ackRetentionMs) old++
    if (old > 0) {
      this.acks.splice(0, old)
      this.#ackTimes.splice(0, old)
    }
    for (const [id, at] of this.#gone) {
      if (at >= now - this.#limits.goneRetentionMs) break
      this.#gone.delete(id)
    }
  }

  // ---- WebSocket side (Mozilla's push protocol) ------------------------------------------------

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node hands the socket over without an error listener: a reset during a refusal must not throw.
    socket.on('error', () => socket.destroy())
    // Any page can reach this port; none may act as a user agent. RFC 6455 §4.1 and §10.2: a browser sends
    // the page's origin with every WebSocket a page opens (http:, https:, or "null").
    if (!isUserAgentOrigin(req.headers.origin)) refuseUpgrade(socket, 403, 'Forbidden')
    else if (this.#webSockets.size >= this.#limits.maxWebSockets) refuseUpgrade(socket, 503, 'Service Unavailable')
    else this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onWebSocket(ws))
  }

  #onWebSocket(ws: WebSocket): void {
    const connection: Connection = { ws, state: 'new', agent: undefined, helloTimer: undefined }
    this.#webSockets.add(connection)
    connection.helloTimer = setTimeout(
      () => this.#shut(connection, 1008, `no hello within ${this.#limits.helloTimeoutMs} ms`),
      this.#limits.helloTimeoutMs,
    )
    // On a frame it cannot take (too big 1009, not UTF-8 1007, unmasked 1002) ws closes the socket and
    // emits 'error': with no listener, that error would be thrown out of the socket's data handler.
    ws.on('error', () => {})
    ws.on('message', (data, isBinary) => this.#guard(connection, () => this.#onFrame(connection, data, isBinary)))
    ws.on('close', () => this.#guard(connection, () => this.#onClose(connection)))
  }

  /** Runs a handler of one connection: anything it throws closes that connection (1011) and goes no further. */
  #guard(connection: Connection, handler: () => void): void {
    try {
      handler()
    } catch {
      this.#shut(connection, 1011, 'internal error')
    }
  }

  /** Closes one connection with a code of RFC 6455 §7.4.1 and a reason (ASCII) cut to the 123 bytes a close frame holds. */
  #shut(connection: Connection, code: number, reason: string): void {
    clearTimeout(connection.helloTimer)
    const ws = connection.ws
    if (ws.readyState === ws.OPEN) ws.close(code, reason.slice(0, 123))
  }

  /** Answers a frame; a connection that leaves more than its allowance unread is cut rather than buffered for. */
  #reply(connection: Connection, frame: Record<string, unknown>): void {
    const ws = connection.ws
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > UNREAD_ALLOWANCE + this.#limits.maxPendingPerUaid * NOTIFICATION_BYTES) {
      ws.terminate() // it reads nothing: a close frame would wait behind the rest
      return
    }
    ws.send(JSON.stringify(frame))
  }

  #onFrame(connection: Connection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.#shut(connection, 1003, 'binary frames are not part of the protocol')
      return
    }
    let frame: ClientFrame
    try {
      frame = parseClientFrame(String(data))
    } catch (error) {
      this.#shut(connection, 1002, WebPushError.is(error) ? error.message : 'not a frame of the protocol')
      return
    }
    const agent = connection.agent
    if (frame.messageType === 'hello') {
      if (connection.state === 'new') this.#onHello(connection, frame.uaid)
      else this.#shut(connection, 1002, 'hello was already said')
    } else if (connection.state !== 'ready' || agent === undefined) {
      // Nothing but hello until the hello reply (autopush refuses it too).
      this.#shut(connection, 4002, 'hello first')
    } else if (frame.messageType === 'ping') {
      this.#reply(connection, {})
    } else if (frame.messageType === 'register') {
      this.#onRegister(connection, agent, frame.channelID, frame.key)
    } else if (frame.messageType === 'unregister') {
      const channel = agent.channels.get(frame.channelID)
      if (channel) this.retire(channel)
      this.#reply(connection, { messageType: 'unregister', channelID: frame.channelID, status: 200 })
    } else if (frame.messageType === 'ack') {
      this.#onAck(agent, frame.updates)
    } else if (frame.messageType === 'nack') {
      this.#record({ id: frame.version, code: frame.code ?? 0, type: 'nack', channelID: frame.channelID ?? '' })
    }
    // broadcast_subscribe: there are no broadcasts here.
  }

  #onHello(connection: Connection, asked: string | undefined): void {
    clearTimeout(connection.helloTimer)
    connection.state = 'hello'
    // Keep the uaid Firefox knows: answering another one makes it drop every subscription.
    const uaid = asked !== undefined && UAID.test(asked) ? asked : undefined
    const holder = uaid === undefined ? undefined : this.#agents.get(uaid)?.connection
    if (uaid === undefined || holder === undefined) {
      this.#bind(connection, uaid ?? newId())
      return
    }
    // The uaid is bound to an open connection. If that one still answers, this is someone else with its
    // uaid: they get a fresh one (Firefox drops its registrations on seeing one, which is right for an
    // impostor). If it does not, it is a dead connection Firefox left behind, and Firefox gets its uaid back.
    probe(holder.ws, UAID_PROBE_MS).then((alive) =>
      this.#guard(connection, () => {
        if (connection.state !== 'hello') return // closed meanwhile
        if (!alive && this.#agents.get(uaid)?.connection === holder) {
          holder.ws.terminate()
          this.#onClose(holder)
        }
        this.#bind(connection, this.#agents.get(uaid)?.connection === undefined ? uaid : newId())
      }),
    )
  }

  /** Binds a connection to a uaid until it closes, answers its hello, and sends what waits for it. */
  #bind(connection: Connection, uaid: string): void {
    let agent = this.#agents.get(uaid)
    if (agent === undefined) {
      agent = { uaid, channels: new Map(), pending: 0, connection: undefined }
      this.#agents.set(uaid, agent)
    }
    agent.connection = connection
    connection.agent = agent
    connection.state = 'ready'
    this.#reply(connection, { messageType: 'hello', uaid, status: 200, use_webpush: true, broadcasts: {} })
    for (const channel of agent.channels.values()) {
      for (const m of channel.pending) m.sent = false // unacked messages go out again
      this.flush(channel)
    }
  }

  #onRegister(connection: Connection, agent: UserAgent, channelID: string, key: string | undefined): void {
    let channel = agent.channels.get(channelID)
    if (channel === undefined) {
      const limits = this.#limits
      if (agent.channels.size >= limits.maxChannelsPerUaid || this.#agentChannels >= limits.maxChannels) {
        this.#reply(connection, { messageType: 'register', channelID, status: 429 })
        return
      }
      try {
        channel = this.#newChannel(key)
      } catch {
        this.#reply(connection, { messageType: 'register', channelID, status: 400 })
        return
      }
      channel.agent = agent
      channel.channelID = channelID
      agent.channels.set(channelID, channel)
      this.#agentChannels++
    }
    this.#reply(connection, {
      messageType: 'register',
      channelID,
      status: 200,
      pushEndpoint: `${this.url}/push/${channel.id}`,
    })
  }

  #onAck(agent: UserAgent, updates: AckUpdate[]): void {
    for (const update of updates) {
      const channel = agent.channels.get(update.channelID)
      if (channel?.pending.some((m) => m.id === update.version))
        this.#setPending(
          channel,
          channel.pending.filter((m) => m.id !== update.version),
        )
      this.#record({ id: update.version, code: update.code ?? 100, type: 'ack', channelID: update.channelID })
    }
  }

  #onClose(connection: Connection): void {
    if (connection.state === 'closed') return
    connection.state = 'closed'
    clearTimeout(connection.helloTimer)
    this.#webSockets.delete(connection)
    const agent = connection.agent
    if (agent === undefined || agent.connection !== connection) return
    agent.connection = undefined
    for (const channel of agent.channels.values()) for (const m of channel.pending) m.sent = false
    // A uaid without channels goes with its connection: a hello leaves nothing behind.
    if (agent.channels.size === 0) this.#agents.delete(agent.uaid)
  }

  #record(record: AckRecord): void {
    this.acks.push(record)
    this.#ackTimes.push(Date.now())
    const excess = this.acks.length - this.#limits.maxAcks
    if (excess > 0) {
      this.acks.splice(0, excess)
      this.#ackTimes.splice(0, excess)
    }
    const key = `${record.type}:${record.id}`
    const waiters = this.#ackWaiters.get(key)
    if (waiters) {
      this.#ackWaiters.delete(key)
      for (const waiter of waiters) waiter(record)
    }
  }
}

/**
 * Starts a local push service.
 * @example
 * const service = await startPushService()
 * const subscriber = await service.subscribe({ applicationServerKey })
 * // send to subscriber.subscription with any Web Push library, then:
 * const { text, claims } = await subscriber.next()
 */
export async function startPushService(options: PushServiceOptions = {}): Promise<PushService> {
  const service = new LocalPushService(options)
  await service.listen(options.host ?? '127.0.0.1', options.port ?? 0)
  return service
}
