/** `webpush()` and `WebPusher`: pywebpush's one call and its class, in TypeScript. */
import { type ContentEncoding, encryptWebPush, WebPushError } from '@wp/ece'
import { describeValue, toContentEncoding } from '@wp/ece/utils'
import { createTransport, type PushResponse, type Transport, type TransportOptions, toCurl } from '@wp/transport'
import { loadVapidKey, signVapidToken, type VapidKey, type VapidKeyInput } from '@wp/vapid'
import {
  type CheckedSubscription,
  checkMessageOptions,
  checkOptionNames,
  checkSubscription,
  checkTransportConflicts,
  type GcmOptions,
  type MessageOptions,
  type PreparedRequest,
  type PushSubscriptionJSON,
  prepare,
  toOptionsObject,
  toPayload,
  type VapidSource,
} from './internal/prepare.js'

/** The VAPID claims of `webpush()`: `aud` defaults to the endpoint's origin, `exp` to 12 hours ahead. */
export interface VapidClaimsInput {
  /** A `mailto:` or `https:` URI the push service can contact. */
  sub: string
  /** The push service's origin; default: the endpoint's. */
  aud?: string
  /** Expiry in seconds since the epoch, at most 24 hours ahead; default 12 hours. */
  exp?: number
}

/** Options of `webpush()` and `WebPusher`. */
export interface WebPushOptions extends MessageOptions, GcmOptions {
  /** The VAPID private key: anything `importVapidKey` takes, or (in Node) the path of a PEM or DER file. */
  vapidPrivateKey?: VapidKey | VapidKeyInput
  /** The VAPID claims; the object is never modified. */
  vapidClaims?: VapidClaimsInput
  /** Each attempt's time limit in ms (the transport's `timeoutMs`). */
  timeout?: number
  /** Return the `curl` command that sends this request instead of sending it. */
  curl?: boolean
  /** Allow endpoints on private addresses and `http:` ones: `true`, or a list of origins that alone may be. */
  allowPrivateNetwork?: boolean | string[]
  /** A `Transport` to send with (not closed), or the options of one made for this call (closed before it settles). */
  transport?: Transport | TransportOptions
}

const WEBPUSH_OPTIONS = [
  'ttl',
  'urgency',
  'topic',
  'contentEncoding',
  'headers',
  'gcmKey',
  'regId',
  'vapidPrivateKey',
  'vapidClaims',
  'timeout',
  'curl',
  'allowPrivateNetwork',
  'transport',
]

function invalid(message: string): WebPushError {
  return new WebPushError('ERR_WP_INVALID_ARGUMENT', message)
}

/** Imports the VAPID key; in Node a string that is no key but names a file is read from that file. */
export function loadKey(input: VapidKey | VapidKeyInput): Promise<VapidKey> {
  return loadVapidKey(input)
}

/** Checks `vapidClaims` and returns a copy; the caller's object is never touched. */
function toClaims(value: unknown): VapidClaimsInput {
  const claims = toOptionsObject<VapidClaimsInput>(value, 'vapidClaims')
  checkOptionNames(claims, ['sub', 'aud', 'exp'], 'vapidClaims')
  if (typeof claims.sub !== 'string')
    throw new WebPushError(
      'ERR_WP_VAPID_CLAIMS',
      `vapidClaims.sub must be a mailto: or https: URI, got ${describeValue(claims.sub)}`,
    )
  const out: VapidClaimsInput = { sub: claims.sub }
  if (claims.aud !== undefined) out.aud = claims.aud
  if (claims.exp !== undefined) out.exp = claims.exp
  return out
}

/** A VAPID source for one call: a token with the caller's claims. */
function claimsSigner(keyInput: VapidKey | VapidKeyInput, claims: VapidClaimsInput): VapidSource {
  return async (endpoint: string, encoding: ContentEncoding) => {
    const audience = claims.aud ?? new URL(endpoint).origin
    const key = await loadKey(keyInput)
    const token = await signVapidToken(
      claims.exp === undefined
        ? { key, audience, subject: claims.sub }
        : { key, audience, subject: claims.sub, expiresAt: claims.exp },
    )
    // RFC 8292 §3 for aes128gcm; draft-ietf-webpush-vapid-01's form for aesgcm, as @wp/vapid builds them.
    return encoding === 'aes128gcm'
      ? { Authorization: `vapid t=${token}, k=${key.applicationServerKey}` }
      : { Authorization: `WebPush ${token}`, 'Crypto-Key': `p256ecdsa=${key.applicationServerKey}` }
  }
}

function isTransport(value: unknown): value is Transport {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Transport).send === 'function' &&
    typeof (value as Transport).close === 'function'
  )
}

/** The checked options of a call, split into what `prepare` needs and how to send. */
interface Plan {
  subscription: CheckedSubscription
  request: Promise<PreparedRequest>
  options: Partial<WebPushOptions>
}

function plan(subscription: unknown, data: unknown, options: Partial<WebPushOptions>): Plan {
  checkOptionNames(options, WEBPUSH_OPTIONS, 'options')
  const checked = checkSubscription(subscription, options.allowPrivateNetwork)
  const message = checkMessageOptions(options)
  let vapid: VapidSource | undefined
  if (options.vapidPrivateKey !== undefined || options.vapidClaims !== undefined) {
    if (options.vapidPrivateKey === undefined || options.vapidPrivateKey === null)
      throw new WebPushError('ERR_WP_VAPID_KEY', 'vapidClaims needs vapidPrivateKey')
    if (options.vapidClaims === undefined)
      throw new WebPushError('ERR_WP_VAPID_CLAIMS', 'vapidPrivateKey needs vapidClaims { sub }')
    vapid = claimsSigner(options.vapidPrivateKey, toClaims(options.vapidClaims))
  }
  if (options.curl !== undefined && typeof options.curl !== 'boolean')
    throw invalid(`curl must be a boolean, got ${describeValue(options.curl)}`)
  if (options.timeout !== undefined && (!Number.isInteger(options.timeout) || (options.timeout as number) <= 0))
    throw invalid(`timeout must be a positive integer of milliseconds, got ${describeValue(options.timeout)}`)
  checkTransportConflicts(
    options.transport,
    isTransport(options.transport),
    options.timeout,
    options.allowPrivateNetwork,
  )
  const gcm: GcmOptions = {}
  if (options.gcmKey !== undefined) gcm.gcmKey = options.gcmKey
  if (options.regId !== undefined) gcm.regId = options.regId
  return { subscription: checked, request: prepare(checked, data, message, vapid, gcm), options }
}

/** Sends `request` with the caller's transport, or with one made (and closed) for this call. */
async function deliver(request: PreparedRequest, options: Partial<WebPushOptions>): Promise<PushResponse> {
  const given = options.transport
  if (isTransport(given)) return given.send(request)
  const transportOptions: TransportOptions = { ...toOptionsObject<TransportOptions>(given, 'transport') }
  if (options.timeout !== undefined) transportOptions.timeoutMs = options.timeout
  const allow = options.allowPrivateNetwork
  if (allow !== undefined)
    transportOptions.allowPrivateNetwork = allow as NonNullable<TransportOptions['allowPrivateNetwork']>
  const transport = createTransport(transportOptions)
  try {
    return await transport.send(request)
  } finally {
    await transport.close()
  }
}

/**
 * Sends one push message: pywebpush's `webpush()`. Everything is checked before any I/O.
 * @param subscription the browser's `PushSubscription.toJSON()`: `{ endpoint, keys: { p256dh, auth } }`
 * @param data a string (UTF-8), a `Uint8Array`, or any JSON value; absent (or null) for a push without payload
 * @param options see {@link WebPushOptions}; `curl: true` resolves with the command instead of sending
 * @returns the push service's answer (2xx); with `curl: true`, the curl command
 * @throws WebPushError (as a rejection) for bad input (`ERR_WP_INVALID_ARGUMENT`, `ERR_WP_KEY_LENGTH`,
 *   `ERR_WP_INVALID_POINT`, `ERR_WP_BASE64URL`, `ERR_WP_PAYLOAD_TOO_LARGE`, `ERR_WP_UNSUPPORTED_ENCODING`,
 *   `ERR_WP_VAPID_KEY`, `ERR_WP_VAPID_CLAIMS`); `PushServiceError` for a refusal; what the transport raises
 * @example
 * await webpush(subscription, { title: 'Hello' }, {
 *   vapidPrivateKey: 'path/to/private_key.pem',
 *   vapidClaims: { sub: 'mailto:YourEmail' },
 * })
 */
export async function webpush(
  subscription: PushSubscriptionJSON,
  data: unknown,
  options: WebPushOptions & { curl: true },
): Promise<string>
export async function webpush(
  subscription: PushSubscriptionJSON,
  data?: unknown,
  options?: WebPushOptions,
): Promise<PushResponse>
export async function webpush(
  subscription: PushSubscriptionJSON,
  data?: unknown,
  options?: WebPushOptions,
): Promise<PushResponse | string> {
  const opts = toOptionsObject<WebPushOptions>(options, 'options')
  const { request } = plan(subscription, data, opts)
  const prepared = await request
  if (opts.curl === true) return toCurl(prepared)
  return deliver(prepared, opts)
}

/** Options of one `WebPusher.send`. */
export interface WebPusherSendOptions extends MessageOptions, GcmOptions {
  /** Return the `curl` command instead of sending. */
  curl?: boolean
}

const SEND_OPTIONS = ['ttl', 'urgency', 'topic', 'contentEncoding', 'headers', 'gcmKey', 'regId', 'curl']

/**
 * pywebpush's `WebPusher`: one subscription, many messages.
 * @throws WebPushError (from the constructor) for a bad subscription or options, before any I/O
 * @example
 * const pusher = new WebPusher(subscription, { vapidPrivateKey, vapidClaims: { sub: 'mailto:ops@example.com' } })
 * await pusher.send('hello', { ttl: 60 })
 */
export class WebPusher {
  readonly #subscription: PushSubscriptionJSON
  readonly #options: Partial<WebPushOptions>

  constructor(subscription: PushSubscriptionJSON, options?: WebPushOptions) {
    const opts = toOptionsObject<WebPushOptions>(options, 'options')
    checkOptionNames(opts, WEBPUSH_OPTIONS, 'options')
    checkSubscription(subscription, opts.allowPrivateNetwork)
    this.#subscription = subscription
    this.#options = { ...opts }
  }

  /**
   * Sends `data` (see `webpush`); the per-call options replace the constructor's.
   * @returns the push service's answer, or with `curl: true` the curl command
   */
  send(data: unknown, options: WebPusherSendOptions & { curl: true }): Promise<string>
  send(data?: unknown, options?: WebPusherSendOptions): Promise<PushResponse>
  async send(data?: unknown, options?: WebPusherSendOptions): Promise<PushResponse | string> {
    const opts = toOptionsObject<WebPusherSendOptions>(options, 'options')
    checkOptionNames(opts, SEND_OPTIONS, 'options')
    const merged: WebPushOptions = { ...this.#options }
    for (const [name, value] of Object.entries(opts)) if (value !== undefined) Object.assign(merged, { [name]: value })
    return webpush(this.#subscription, data, merged)
  }

  /**
   * Encrypts `data` for this subscription: the body and the headers its encoding needs
   * (`Content-Encoding`, and `Encryption`/`Crypto-Key` for aesgcm).
   * @throws WebPushError `ERR_WP_PAYLOAD_TOO_LARGE`, `ERR_WP_UNSUPPORTED_ENCODING`, `ERR_WP_INVALID_ARGUMENT`
   */
  async encode(
    data: unknown,
    contentEncoding: ContentEncoding = 'aes128gcm',
  ): Promise<{ body: Uint8Array; headers: Record<string, string> }> {
    const encoding = toContentEncoding(contentEncoding)
    const payload = toPayload(data)
    if (payload === undefined) throw invalid('data is required to encode')
    const { p256dh, auth } = checkSubscription(this.#subscription, this.#options.allowPrivateNetwork)
    const message = await encryptWebPush(payload, { p256dh, auth }, { encoding })
    return { body: message.body, headers: { 'Content-Encoding': encoding, ...message.headers } }
  }
}

export { isTransport }
