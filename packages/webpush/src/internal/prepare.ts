/**
 * One message, from the caller's input to a request the transport sends: validate the subscription,
 * the data and the options, encrypt (RFC 8291), and build the headers (RFC 8030 §5, RFC 8292).
 * Shared by `webpush`, `WebPusher` and the client, so each sends the same request for the same input.
 */
import { type ContentEncoding, encryptWebPush, maxPlaintextLength } from '@wp/ece'
import {
  base64Encode,
  describeValue,
  toBytes,
  toContentEncoding,
  toPublicKey,
  utf8Encode,
  WebPushError,
} from '@wp/ece/utils'
import type { PushRequest } from '@wp/transport'
import type { EncryptedBody, EncryptJob } from './encrypt-pool.js'
import { DEFAULT_TTL, HeaderSet, toTopic, toTtl, toUrgency, type Urgency } from './headers.js'

/** A push subscription as the browser's `PushSubscription.toJSON()` gives it. */
export interface PushSubscriptionJSON {
  endpoint: string
  /** Ignored. */
  expirationTime?: number | null
  keys: { p256dh: string | Uint8Array; auth: string | Uint8Array }
}

/** The data of a message: text (sent as UTF-8), bytes, or any JSON value (serialised). */
export type PushData = string | Uint8Array | unknown

/** The options of one message, shared by every way of sending. */
export interface MessageOptions {
  /** Seconds the push service keeps the message while the user agent is offline (RFC 8030 §5.2); default 2419200. */
  ttl?: number
  /** RFC 8030 §5.3. */
  urgency?: Urgency
  /** RFC 8030 §5.4: a later message with the same topic replaces a waiting one; at most 32 base64url characters. */
  topic?: string
  /** `'aes128gcm'` (RFC 8291, the default) or the older `'aesgcm'`. */
  contentEncoding?: ContentEncoding
  /**
   * Extra headers. One set here is never replaced by a default; one that conflicts with an option
   * (`TTL` here and `ttl` too, with other values) is an error. Names differing only by case are refused.
   */
  headers?: Record<string, string>
}

/** The legacy GCM fields (Google shut GCM down in 2024; kept for old integrations and `curl` output). */
export interface GcmOptions {
  /** The GCM server key: sends `Authorization: key=<gcmKey>` and the JSON body GCM wanted. */
  gcmKey?: string
  /** The GCM registration id; default: the endpoint's last path segment. */
  regId?: string
}

/** Signs the VAPID headers for an endpoint and encoding (`{ Authorization }`, plus `Crypto-Key` for aesgcm). */
export type VapidSource = (endpoint: string, encoding: ContentEncoding) => Promise<Record<string, string>>

/** Encrypts one checked message (RFC 8291): on this thread, or on a client's worker threads. */
export type Encrypt = (job: EncryptJob) => Promise<EncryptedBody>

/** Encrypts on this thread. */
export async function encryptHere(job: EncryptJob): Promise<EncryptedBody> {
  const message = await encryptWebPush(job.payload, { p256dh: job.p256dh, auth: job.auth }, { encoding: job.encoding })
  return { body: message.body, headers: message.headers }
}

/** A request ready for the transport. */
export type PreparedRequest = PushRequest

/** The endpoint GCM requests go to. */
export const GCM_URL = 'https://android.googleapis.com/gcm/send'

function invalid(message: string): WebPushError {
  return new WebPushError('ERR_WP_INVALID_ARGUMENT', message)
}

/** The names allowed in a per-message options object. */
export const MESSAGE_OPTION_NAMES = ['ttl', 'urgency', 'topic', 'contentEncoding', 'headers'] as const

/**
 * Refuses option names not in `allowed`, naming them.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT`
 */
export function checkOptionNames(options: object, allowed: readonly string[], field: string): void {
  const unknown = Object.keys(options).filter((name) => !allowed.includes(name))
  if (unknown.length > 0)
    throw invalid(`${field}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`)
}

/** Reads an options object (undefined is `{}`). */
export function toOptionsObject<T extends object>(value: unknown, field: string): Partial<T> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${field} must be an object, got ${describeValue(value)}`)
  return value as Partial<T>
}

/**
 * Whether `allowPrivateNetwork` lets `url` be `http:`: `true`, or a list naming its origin, compared
 * as `URL.origin` spells it (as the transport compares), so `http://127.0.0.1:8090/` names it too.
 */
function allowsHttp(allowPrivateNetwork: boolean | readonly string[] | undefined, url: URL): boolean {
  if (allowPrivateNetwork === true) return true
  if (!Array.isArray(allowPrivateNetwork)) return false
  const origin = url.origin
  return allowPrivateNetwork.some((entry: unknown) => {
    if (entry === origin) return true
    try {
      return typeof entry === 'string' && new URL(entry).origin === origin
    } catch {
      return false // the transport refuses the list, naming the entry
    }
  })
}

/** A checked subscription: the endpoint URL and the receiver's keys as bytes. */
export interface CheckedSubscription {
  endpoint: string
  url: URL
  p256dh: Uint8Array
  auth: Uint8Array
}

/**
 * Validates a subscription (before any I/O): `endpoint` an absolute `https:` URL (`http:` only with
 * `allowPrivateNetwork`), `keys.p256dh` a 65-byte uncompressed P-256 point, `keys.auth` 16 bytes.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT`, `ERR_WP_BASE64URL`, `ERR_WP_KEY_LENGTH` or
 *   `ERR_WP_INVALID_POINT`, naming the field
 */
export function checkSubscription(
  subscription: unknown,
  allowPrivateNetwork?: boolean | readonly string[],
): CheckedSubscription {
  if (typeof subscription !== 'object' || subscription === null || Array.isArray(subscription))
    throw invalid(
      `subscription must be an object { endpoint, keys: { p256dh, auth } }, got ${describeValue(subscription)}`,
    )
  const { endpoint, keys } = subscription as { endpoint?: unknown; keys?: unknown }
  if (typeof endpoint !== 'string')
    throw invalid(`subscription.endpoint must be a URL string, got ${describeValue(endpoint)}`)
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw invalid('subscription.endpoint is not an absolute URL')
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowsHttp(allowPrivateNetwork, url)))
    throw invalid(
      `subscription.endpoint must be an https: URL, got ${url.protocol}${url.protocol === 'http:' ? ' (http: needs allowPrivateNetwork)' : ''}`,
    )
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys))
    throw invalid(`subscription.keys must be an object { p256dh, auth }, got ${describeValue(keys)}`)
  const k = keys as { p256dh?: unknown; auth?: unknown }
  const p256dh = toPublicKey(k.p256dh, 'subscription.keys.p256dh')
  const auth = toBytes(k.auth, 'subscription.keys.auth', 16)
  return { endpoint, url, p256dh, auth }
}

/**
 * The plaintext of `data`: `undefined` or `null` for none, a string as UTF-8, bytes as they are,
 * anything else as JSON.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a value JSON cannot represent
 */
export function toPayload(data: unknown): Uint8Array | undefined {
  if (data === undefined || data === null) return undefined
  if (typeof data === 'string') return utf8Encode(data)
  if (data instanceof Uint8Array) return data
  let json: string | undefined
  try {
    json = JSON.stringify(data)
  } catch (cause) {
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'data cannot be serialised as JSON', { cause })
  }
  if (json === undefined)
    throw invalid(`data must be a string, a Uint8Array or a JSON value, got ${describeValue(data)}`)
  return utf8Encode(json)
}

/** The checked per-message options. */
export interface CheckedMessageOptions {
  ttl: number | undefined
  urgency: Urgency | undefined
  topic: string | undefined
  encoding: ContentEncoding
  headers: unknown
}

/**
 * Checks the per-message options (types and ranges; names are checked by the caller).
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT`, `ERR_WP_UNSUPPORTED_ENCODING`
 */
export function checkMessageOptions(options: MessageOptions): CheckedMessageOptions {
  return {
    ttl: options.ttl === undefined ? undefined : toTtl(options.ttl),
    urgency: options.urgency === undefined ? undefined : toUrgency(options.urgency),
    topic: options.topic === undefined ? undefined : toTopic(options.topic),
    encoding: toContentEncoding(options.contentEncoding),
    headers: options.headers,
  }
}

/** Checks a caller's header value with the option's rule, so a bad `TTL` header fails like a bad `ttl`. */
function checkCallerHeader(headers: HeaderSet, name: string, check: (value: string) => unknown): void {
  const value = headers.get(name)
  if (value !== undefined) check(value)
}

/** The payload limit of `encoding`, checked before encryption (RFC 8291 §4: one 4096-byte record). */
function checkSize(payload: Uint8Array, encoding: ContentEncoding): void {
  const limit = maxPlaintextLength(encoding)
  if (payload.length > limit)
    throw new WebPushError(
      'ERR_WP_PAYLOAD_TOO_LARGE',
      `data is ${payload.length} bytes; an ${encoding} push message holds at most ${limit}`,
    )
}

/**
 * The plaintext of `data`, checked against the limit of `encoding`.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a value JSON cannot represent, `ERR_WP_PAYLOAD_TOO_LARGE`
 */
export function checkedPayload(data: unknown, encoding: ContentEncoding): Uint8Array | undefined {
  const payload = toPayload(data)
  if (payload !== undefined) checkSize(payload, encoding)
  return payload
}

/**
 * The RFC 8030 headers of checked options (`TTL`, `Urgency`, `Topic`) merged with the caller's own,
 * which are held to the same rules.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a bad header or one that conflicts with an option
 */
export function messageHeaders(options: CheckedMessageOptions): HeaderSet {
  const headers = HeaderSet.fromCaller(options.headers)
  checkCallerHeader(headers, 'TTL', (v) => toTtl(/^\d{1,10}$/.test(v) ? Number(v) : v))
  checkCallerHeader(headers, 'Urgency', toUrgency)
  checkCallerHeader(headers, 'Topic', toTopic)
  if (options.ttl !== undefined) headers.require('TTL', String(options.ttl), 'the ttl option')
  else headers.setDefault('TTL', String(DEFAULT_TTL))
  if (options.urgency !== undefined) headers.require('Urgency', options.urgency, 'the urgency option')
  if (options.topic !== undefined) headers.require('Topic', options.topic, 'the topic option')
  return headers
}

/**
 * Everything a message needs before I/O: the checks, then encryption and headers.
 * @param subscription the browser's subscription, checked
 * @param data the payload (see {@link toPayload})
 * @param options per-message options, already checked with {@link checkMessageOptions}
 * @param vapid signs the VAPID headers, or undefined to send without VAPID
 * @param gcm the legacy GCM fields
 * @param encrypt where the encryption runs (default: this thread)
 * @throws WebPushError for any bad input, before any I/O
 */
export async function prepare(
  subscription: CheckedSubscription,
  data: unknown,
  options: CheckedMessageOptions,
  vapid: VapidSource | undefined,
  gcm?: GcmOptions,
  encrypt: Encrypt = encryptHere,
): Promise<PreparedRequest> {
  const { encoding } = options
  const payload = checkedPayload(data, encoding)
  const headers = messageHeaders(options)

  let body: Uint8Array | undefined
  let cryptoKey: string[] = []
  if (payload !== undefined) {
    const message = await encrypt({ payload, p256dh: subscription.p256dh, auth: subscription.auth, encoding })
    body = message.body
    headers.require('Content-Encoding', encoding, 'the contentEncoding option', true)
    if (message.headers.Encryption !== undefined)
      headers.require('Encryption', message.headers.Encryption, 'the encryption of this message')
    if (message.headers['Crypto-Key'] !== undefined) cryptoKey.push(message.headers['Crypto-Key'])
  }
  const isGcm = gcm?.gcmKey !== undefined || subscription.endpoint.startsWith(GCM_URL)
  if (vapid !== undefined && !isGcm) {
    const signed = await vapid(subscription.endpoint, encoding)
    headers.forbid('Authorization', 'the request is signed with VAPID')
    headers.require('Authorization', signed.Authorization as string, 'VAPID')
    if (signed['Crypto-Key'] !== undefined) cryptoKey.push(signed['Crypto-Key'])
  }
  if (cryptoKey.length > 0) {
    headers.forbid('Crypto-Key', 'this request computes its own (RFC 8291 aesgcm dh, VAPID p256ecdsa)')
    headers.require('Crypto-Key', cryptoKey.join(';'), 'the encryption of this message')
  }
  cryptoKey = []

  let endpoint = subscription.endpoint
  if (isGcm) {
    // Legacy GCM (retired by Google in 2024): the encrypted body goes base64 in a JSON envelope.
    if (typeof gcm?.gcmKey !== 'string' || gcm.gcmKey === '')
      throw invalid('gcmKey must be a non-empty string for a GCM endpoint (android.googleapis.com/gcm/send)')
    const regId = gcm.regId ?? endpoint.slice(endpoint.lastIndexOf('/') + 1)
    if (typeof regId !== 'string' || regId === '') throw invalid('regId must be a non-empty string')
    const envelope: Record<string, unknown> = { registration_ids: [regId] }
    if (body !== undefined) envelope.raw_data = base64Encode(body)
    body = utf8Encode(JSON.stringify(envelope))
    headers.forbid('Authorization', 'a GCM request carries Authorization: key=<gcmKey>')
    headers.require('Authorization', `key=${gcm.gcmKey}`, 'gcmKey')
    headers.require('Content-Type', 'application/json', 'the GCM request', true)
    endpoint = GCM_URL
  } else if (body !== undefined) {
    headers.setDefault('Content-Type', 'application/octet-stream')
  }
  if (body !== undefined) headers.require('Content-Length', String(body.length), 'the body length')
  if (subscription.url.hostname.endsWith('.notify.windows.com'))
    headers.setDefault('X-WNS-Cache-Policy', headers.get('TTL') === '0' ? 'no-cache' : 'cache')
  return body === undefined
    ? { endpoint, headers: headers.toObject() }
    : { endpoint, headers: headers.toObject(), body }
}

/**
 * Refuses transport settings given twice: `timeout` with a ready `Transport` (it has its own), or
 * `timeout`/`allowPrivateNetwork` both here and in the transport's options with other values.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT`
 */
export function checkTransportConflicts(
  transport: unknown,
  isReady: boolean,
  timeout: unknown,
  allowPrivateNetwork: unknown,
): void {
  if (transport === undefined) return
  if (isReady) {
    if (timeout !== undefined)
      throw invalid('timeout cannot apply to a Transport you pass: create it with timeoutMs instead')
    return
  }
  const given = toOptionsObject<{ timeoutMs?: unknown; allowPrivateNetwork?: unknown }>(transport, 'transport')
  if (timeout !== undefined && given.timeoutMs !== undefined && given.timeoutMs !== timeout)
    throw invalid('timeout conflicts with transport.timeoutMs; set one or the other, not both')
  if (
    allowPrivateNetwork !== undefined &&
    given.allowPrivateNetwork !== undefined &&
    JSON.stringify(given.allowPrivateNetwork) !== JSON.stringify(allowPrivateNetwork)
  )
    throw invalid('allowPrivateNetwork conflicts with transport.allowPrivateNetwork; set one or the other, not both')
}
