/** The public shapes of @wp/push-service. */
import type { ContentEncoding } from '@wp/ece'
import type { VapidClaims } from '@wp/vapid'

/**
 * One injected fault. Each `POST /push/…` draws the rules in order, against each one's `rate`, before
 * it is validated; a rule applies at most `count` times.
 * @example
 * service.setFaults([
 *   { status: 503, retryAfterSeconds: 2, rate: 0.1 }, // one request in ten gets 503 with Retry-After
 *   { status: 429, count: 1 },                        // the next request only
 *   { delayMs: 200, rate: 0.5 },                      // slow answers
 *   { drop: true, rate: 0.01 },                       // connections cut without an answer
 * ])
 */
export interface FaultRule {
  /** Share of requests this applies to, 0 to 1 (default 1). */
  rate?: number
  /** Apply to at most this many requests, then stop. */
  count?: number
  /** Answer with this status (200 to 599) instead of handling the request: 429, 500, 503, ... */
  status?: number
  /** `Retry-After` seconds to send with `status` (an integer from 0). */
  retryAfterSeconds?: number
  /** Wait this long, in milliseconds, before answering (or before handling, without `status`). */
  delayMs?: number
  /** Destroy the connection without answering. */
  drop?: boolean
}

/**
 * Options of `startPushService`.
 * @example
 * const service = await startPushService({ port: 8090, tls: true, strict: false, maxTtlSeconds: 3600 })
 */
export interface PushServiceOptions {
  /** Interface to listen on (default 127.0.0.1): a host name or an IP address. */
  host?: string
  /** Port, 0 to 65535 (default 0: any free port). */
  port?: number
  /** Validate as production services do (default true). `false` accepts a missing TTL and missing VAPID. */
  strict?: boolean
  /** Faults to inject, for reliability tests. */
  faults?: FaultRule | FaultRule[]
  /** Serve HTTPS and WSS with a self-signed certificate made at start (default false). */
  tls?: boolean
  /** Longest TTL kept, in seconds (an integer from 0); longer ones are reduced and the reduced value answered (default 2592000, 30 days). */
  maxTtlSeconds?: number
  /** Bounds on what clients can make the service hold, and deadlines for slow ones (defaults in the README). */
  limits?: PushServiceLimits
}

/**
 * Everything a client (a sender over HTTP, a user agent over the WebSocket) can make the service hold
 * is bounded; each bound has a default that fits every legitimate use (the README says why). Each one
 * is a positive integer.
 * @example
 * // a sender's handling of a full queue: the third push to an offline subscriber gets 429
 * const service = await startPushService({ limits: { maxPendingPerChannel: 2 } })
 */
export interface PushServiceLimits {
  /** Largest WebSocket message a user agent may send, in bytes (default 65536); a larger one closes the socket with 1009. */
  maxFrameBytes?: number
  /** TCP connections at once, HTTP and WebSocket together (default 1024); more are cut on arrival. */
  maxConnections?: number
  /** WebSocket connections at once (default 256); more upgrades are refused with 503. */
  maxWebSockets?: number
  /** Channels one uaid may hold (default 1000); a register past it gets status 429. */
  maxChannelsPerUaid?: number
  /** WebSocket channels over every uaid (default 10000); a register past it gets status 429. */
  maxChannels?: number
  /** Messages waiting, sent and not acked, or arrived and not taken, per subscription (default 100); a push past it gets 429. */
  maxPendingPerChannel?: number
  /** Messages waiting or not acked over all the channels of one uaid (default 1000); a push past it gets 429. */
  maxPendingPerUaid?: number
  /** Messages waiting or not acked over every subscription (default 10000); a push past it gets 429. */
  maxPendingMessages?: number
  /** Acks and nacks kept for `acks` and `waitForAck`, the newest (default 1000). */
  maxAcks?: number
  /** How long an ack or nack is kept, in milliseconds (default 600000, 10 minutes). */
  ackRetentionMs?: number
  /** Unsubscribed endpoints that still answer 410 rather than 404, the newest (default 10000). */
  maxGone?: number
  /** How long an unsubscribed endpoint answers 410 rather than 404, in milliseconds (default 86400000, a day). */
  goneRetentionMs?: number
  /** A WebSocket that has not said hello within this many milliseconds is closed with 1008 (default 10000). */
  helloTimeoutMs?: number
  /** Time for a request's headers to arrive, in milliseconds (default 10000); Node's `headersTimeout`. */
  headersTimeoutMs?: number
  /** Time for a whole request, body included, in milliseconds (default 30000); Node's `requestTimeout`. */
  requestTimeoutMs?: number
  /** An idle keep-alive connection is closed after this many milliseconds (default 5000); Node's `keepAliveTimeout`. */
  keepAliveTimeoutMs?: number
}

/**
 * A push message as a test subscriber receives it.
 * @example
 * const push = await subscriber.next()
 * push.text     // '{"title":"Hello"}'
 * push.encoding // 'aes128gcm'
 * push.claims   // { aud: 'http://127.0.0.1:…', exp: …, sub: 'mailto:…' }
 */
export interface ReceivedPush {
  /** The decrypted payload (empty for a push without payload). */
  payload: Uint8Array
  /** The payload as UTF-8 text. */
  text: string
  /** The request's headers, names in lowercase. */
  headers: Record<string, string>
  /** The request's content encoding, or undefined for a push without payload. */
  encoding: ContentEncoding | undefined
  /** The verified VAPID claims, or undefined when the request had none. */
  claims: VapidClaims | undefined
  /** The message id (the last segment of the `Location` the sender got). */
  id: string
}

/**
 * A virtual user agent subscribed to the service, made by `service.subscribe()`.
 * @example
 * const subscriber = await service.subscribe({ applicationServerKey: vapidPublicKey })
 * subscriber.disconnect()                 // offline: messages wait until their TTL runs out
 * await send(subscriber.subscription)     // with any Web Push library
 * subscriber.connect()
 * const { text } = await subscriber.next({ timeoutMs: 2000 })
 */
export interface TestSubscriber {
  /** What `PushSubscription.toJSON()` would give: `{ endpoint, expirationTime, keys: { p256dh, auth } }`. */
  subscription: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } }
  /** The receiver's private key and auth secret, for tests that decrypt themselves. */
  keys: { privateKey: Uint8Array; publicKey: Uint8Array; auth: Uint8Array }
  /**
   * The next message, decrypted.
   * @param options `timeoutMs`: how long to wait, an integer from 0 to 2^31 - 1 (default 10000)
   * @throws WebPushError (as a rejection) `ERR_WP_TIMEOUT` when nothing arrives within `timeoutMs`;
   *   what `decryptWebPush` raises for a message that does not decrypt (`ERR_WP_ECE_DECRYPT`,
   *   `ERR_WP_ECE_HEADER`, `ERR_WP_ECE_RECORD_SIZE`, `ERR_WP_INVALID_POINT`, `ERR_WP_KEY_LENGTH`);
   *   `ERR_WP_INVALID_ARGUMENT` for options of the wrong type
   */
  next(options?: { timeoutMs?: number }): Promise<ReceivedPush>
  /** Messages that have arrived and not been taken by `next()`. */
  readonly pending: number
  /** Goes offline: messages wait (until their TTL runs out) instead of arriving. */
  disconnect(): void
  /** Comes back online: waiting messages arrive. */
  connect(): void
  /** Unsubscribes: the endpoint answers 410 from now on. */
  unsubscribe(): Promise<void>
}

/**
 * What happened to a message delivered over the WebSocket (Firefox's answer).
 * @example
 * const ack = await service.waitForAck(messageId) // the last segment of the Location a sender got
 * ack.code // 100: delivered to the service worker; 101: it did not decrypt
 */
export interface AckRecord {
  /** The message id. */
  id: string
  /** 100 delivered, 101 decryption failed, 102 not delivered; 301/302 for a nack. */
  code: number
  /** `ack` or `nack`. */
  type: 'ack' | 'nack'
  /** Firefox's id of the channel (a UUID); empty for a nack that names none. */
  channelID: string
}

/**
 * A running local push service, made by `startPushService()`.
 * @example
 * const service = await startPushService()
 * const subscriber = await service.subscribe()
 * service.setFaults({ status: 503, retryAfterSeconds: 2, count: 1 }) // the next push gets 503
 * await service.close()
 */
export interface PushService {
  /** The HTTP base: push endpoints are `${url}/push/<id>`. */
  url: string
  /** The WebSocket URL for Firefox's `dom.push.serverURL`. */
  webSocketUrl: string
  /** With `tls: true`, the certificate to trust (PEM). */
  certificate: string | undefined
  /** The Firefox preferences that make a (headless) Firefox use this service. */
  firefoxPrefs: Record<string, string | number | boolean>
  /**
   * Subscribes a virtual user agent, with fresh keys.
   * @param options `applicationServerKey`: the VAPID public key (base64url or 65 bytes) that pushes
   *   to it must be signed with (RFC 8292 §4); without one, any sender may push
   * @throws WebPushError (as a rejection) `ERR_WP_BASE64URL` for a key that is not base64url,
   *   `ERR_WP_INVALID_ARGUMENT` for one that is not a 65-byte uncompressed P-256 key, or options
   *   that are not an object
   */
  subscribe(options?: { applicationServerKey?: string | Uint8Array }): Promise<TestSubscriber>
  /**
   * Replaces the fault rules; `undefined` clears them.
   * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a rule that is not an object, a field of
   *   another name, or a field of the wrong type or range (the rules in force then stay)
   */
  setFaults(faults: FaultRule | FaultRule[] | undefined): void
  /**
   * Resolves with the ack (or, with `type: 'nack'`, the nack) of a message delivered over the WebSocket.
   * @param id the message id (the last segment of the `Location` the sender got)
   * @param options `timeoutMs` (an integer from 0 to 2^31 - 1, default 10000) and `type` (default `'ack'`)
   * @throws WebPushError (as a rejection) `ERR_WP_TIMEOUT` when none comes within `timeoutMs`;
   *   `ERR_WP_INVALID_ARGUMENT` for an id that is not a string or options of the wrong type
   */
  waitForAck(id: string, options?: { timeoutMs?: number; type?: 'ack' | 'nack' }): Promise<AckRecord>
  /** The acks and nacks kept: the newest `maxAcks` of the last `ackRetentionMs`, oldest first. */
  readonly acks: readonly AckRecord[]
  /** Counters: requests received, messages accepted, delivered, expired, replaced. */
  readonly stats: { requests: number; accepted: number; delivered: number; expired: number; replaced: number }
  /** Stops the service: cuts every connection and WebSocket, and resolves when the server has closed. */
  close(): Promise<void>
}
