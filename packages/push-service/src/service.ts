/**
 * The local push service: RFC 8030 on the HTTP side, Mozilla's WebSocket push protocol on the user
 * agent side, and virtual test subscribers that decrypt what they receive.
 */
import { randomUUID } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Socket } from 'node:net'
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
import { type WebSocket, WebSocketServer } from 'ws'
import { selfSignedCertificate } from './internal/cert.js'
import { requestPath } from './internal/request-target.js'
import type { AckRecord, FaultRule, PushService, PushServiceOptions, ReceivedPush, TestSubscriber } from './types.js'

/** RFC 8030 §7.2: push services must accept at least 4096 bytes of body; like the big ones, we take no more. */
const MAX_BODY = 4096
const URGENCIES = new Set(['very-low', 'low', 'normal', 'high'])
/** RFC 8030 §5.4: a topic is at most 32 characters of the URL and filename safe base64 alphabet. */
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/

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
  pending: Message[]
  /** A WebSocket (Firefox) subscription. */
  uaid?: string
  channelID?: string
  /** A virtual test subscriber. */
  subscriber?: Subscriber
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
    this.channel.gone = true
    this.channel.pending = []
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
  #faults: (FaultRule & { used: number })[] = []
  readonly #channels = new Map<string, Channel>()
  /** uaid → its channels by Firefox's channelID. */
  readonly #uaids = new Map<string, Map<string, Channel>>()
  readonly #sockets = new Map<string, WebSocket>()
  readonly #ackWaiters = new Map<string, ((record: AckRecord) => void)[]>()
  readonly #server: Server
  readonly #wss: WebSocketServer
  readonly #connections = new Set<Socket>()
  readonly #sweeper: NodeJS.Timeout

  constructor(options: PushServiceOptions) {
    this.#strict = options.strict ?? true
    this.#maxTtl = options.maxTtlSeconds ?? 2_592_000
    this.setFaults(options.faults)
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((error) => {
        if (!res.headersSent) this.#answerError(res, error)
        else res.destroy()
      })
    }
    if (options.tls) {
      const { cert, key } = selfSignedCertificate(options.host === undefined ? [] : [options.host])
      this.certificate = cert
      this.#server = createHttpsServer({ cert, key }, handler)
    } else {
      this.#server = createHttpServer(handler)
    }
    this.#server.on('connection', (socket: Socket) => {
      this.#connections.add(socket)
      socket.on('close', () => this.#connections.delete(socket))
    })
    this.#wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) => (protocols.has('push-notification') ? 'push-notification' : false),
    })
    this.#server.on('upgrade', (req, socket, head) => {
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onWebSocket(ws))
    })
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
        this.#ackWaiters.set(
          key,
          (this.#ackWaiters.get(key) ?? []).filter((w) => w !== waiter),
        )
        reject(
          new WebPushError('ERR_WP_TIMEOUT', `no ${type} for message ${id} within ${options.timeoutMs ?? 10_000} ms`),
        )
      }, options.timeoutMs ?? 10_000)
      this.#ackWaiters.set(key, [...(this.#ackWaiters.get(key) ?? []), waiter])
    })
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper)
    for (const ws of this.#sockets.values()) ws.terminate()
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
    const channel: Channel = { id: randomUUID().replace(/-/g, ''), key: bytes, gone: false, pending: [] }
    this.#channels.set(channel.id, channel)
    return channel
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
      throw new HttpError(404, 102, 'Invalid URL endpoint: no such subscription')
    }
    if (channel.gone) {
      req.resume()
      throw new HttpError(410, 106, 'Invalid subscription: it was unsubscribed')
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

    const message: Message = {
      id: randomUUID().replace(/-/g, ''),
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

  #onDelete(res: ServerResponse, id: string): void {
    for (const channel of this.#channels.values()) {
      const index = channel.pending.findIndex((m) => m.id === id && !m.sent)
      if (index >= 0) {
        channel.pending.splice(index, 1)
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
      const before = channel.pending.length
      channel.pending = channel.pending.filter((m) => m.sent || m.topic !== message.topic)
      this.stats.replaced += before - channel.pending.length
    }
    const online = this.#isOnline(channel)
    // RFC 8030 §5.2: a TTL of 0 means deliver now or never.
    if (ttl === 0 && !online) {
      this.stats.expired++
      return
    }
    channel.pending.push(message)
    if (online) this.flush(channel)
  }

  #isOnline(channel: Channel): boolean {
    if (channel.subscriber) return channel.subscriber.online
    return channel.uaid !== undefined && this.#sockets.has(channel.uaid)
  }

  /** Delivers what is waiting on a channel whose receiver is online. */
  flush(channel: Channel): void {
    if (channel.gone || !this.#isOnline(channel)) return
    const now = Date.now()
    const keep: Message[] = []
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
      const ws = this.#sockets.get(channel.uaid as string)
      if (ws === undefined) {
        keep.push(message)
        continue
      }
      ws.send(JSON.stringify(this.#notification(message)))
      message.sent = true
      this.stats.delivered++
      keep.push(message)
    }
    channel.pending = keep
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
      const before = channel.pending.length
      channel.pending = channel.pending.filter((m) => m.sent || m.expiresAt >= now)
      this.stats.expired += before - channel.pending.length
    }
  }

  // ---- WebSocket side (Mozilla's push protocol) ------------------------------------------------

  #onWebSocket(ws: WebSocket): void {
    let uaid: string | undefined
    const send = (frame: Record<string, unknown>) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame))
    }
    ws.on('message', (data) => {
      let frame: Record<string, unknown>
      try {
        frame = JSON.parse(data.toString())
      } catch {
        ws.close(4000, 'not JSON')
        return
      }
      if (typeof frame !== 'object' || frame === null) return
      const type = frame.messageType
      if (type === undefined || type === 'ping') {
        send({})
        return
      }
      if (type === 'hello') {
        const asked = typeof frame.uaid === 'string' && /^[0-9a-f]{32}$/i.test(frame.uaid) ? frame.uaid : undefined
        // Keep the uaid Firefox knows: answering another one makes it drop every subscription.
        uaid = asked ?? randomUUID().replace(/-/g, '')
        const previous = this.#sockets.get(uaid)
        if (previous && previous !== ws) previous.close(4001, 'replaced by a newer connection')
        this.#sockets.set(uaid, ws)
        if (!this.#uaids.has(uaid)) this.#uaids.set(uaid, new Map())
        send({ messageType: 'hello', uaid, status: 200, use_webpush: true, broadcasts: {} })
        for (const channel of (this.#uaids.get(uaid) as Map<string, Channel>).values()) {
          for (const m of channel.pending) m.sent = false // unacked messages go out again
          this.flush(channel)
        }
        return
      }
      if (uaid === undefined) {
        ws.close(4002, 'hello first')
        return
      }
      const channels = this.#uaids.get(uaid) as Map<string, Channel>
      if (type === 'register') {
        const channelID = String(frame.channelID ?? randomUUID())
        let channel = channels.get(channelID)
        if (channel === undefined || channel.gone) {
          try {
            channel = this.#newChannel(typeof frame.key === 'string' ? frame.key : undefined)
          } catch {
            send({ messageType: 'register', channelID, status: 400 })
            return
          }
          channel.uaid = uaid
          channel.channelID = channelID
          channels.set(channelID, channel)
        }
        send({ messageType: 'register', channelID, status: 200, pushEndpoint: `${this.url}/push/${channel.id}` })
        return
      }
      if (type === 'unregister') {
        const channelID = String(frame.channelID)
        const channel = channels.get(channelID)
        if (channel) {
          channel.gone = true
          channel.pending = []
          channels.delete(channelID)
        }
        send({ messageType: 'unregister', channelID, status: 200 })
        return
      }
      if (type === 'ack' && Array.isArray(frame.updates)) {
        for (const update of frame.updates as { channelID?: string; version?: string; code?: number }[]) {
          const channel = channels.get(String(update.channelID))
          if (channel) channel.pending = channel.pending.filter((m) => m.id !== update.version)
          this.#record({
            id: String(update.version),
            code: Number(update.code ?? 100),
            type: 'ack',
            channelID: String(update.channelID),
          })
        }
        return
      }
      if (type === 'nack') {
        this.#record({
          id: String(frame.version),
          code: Number(frame.code ?? 0),
          type: 'nack',
          channelID: String(frame.channelID ?? ''),
        })
        return
      }
      // broadcast_subscribe and anything newer: nothing to do here.
    })
    ws.on('close', () => {
      if (uaid !== undefined && this.#sockets.get(uaid) === ws) {
        this.#sockets.delete(uaid)
        for (const channel of this.#uaids.get(uaid)?.values() ?? []) for (const m of channel.pending) m.sent = false
      }
    })
  }

  #record(record: AckRecord): void {
    this.acks.push(record)
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
