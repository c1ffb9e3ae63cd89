/**
 * web-push's request building: the module-wide GCM key and VAPID details, the option checks with
 * web-push's messages, and `generateRequestDetails`, which encrypts and signs synchronously.
 */
import { Agent } from 'node:https'
import { DEFAULT_TTL, supportedContentEncodings, supportedUrgency } from './constants.js'
import { encrypt } from './encrypt.js'
import { fail, isBase64url } from './fail.js'
import { getVapidHeaders, validatePrivateKey, validatePublicKey, validateSubject } from './vapid.js'

/** A browser's `PushSubscription` as JSON. */
export interface PushSubscription {
  endpoint: string
  keys?: { p256dh: string; auth: string }
}

/** `vapidDetails`: the sender's contact (RFC 8292 §2.1) and key pair, base64url. */
export interface VapidDetails {
  subject: string
  publicKey: string
  privateKey: string
}

/** The options of `sendNotification` and `generateRequestDetails`, web-push's names. */
export interface RequestOptions {
  headers?: Record<string, string | number>
  gcmAPIKey?: string
  vapidDetails?: VapidDetails | null
  TTL?: number
  contentEncoding?: string
  urgency?: string
  topic?: string
  proxy?: string | { host: string; port?: number; [key: string]: unknown }
  agent?: Agent
  timeout?: number
  /** Not in web-push: allow loopback and private endpoints (a local push service in tests). */
  allowPrivateNetwork?: boolean
}

/** What `generateRequestDetails` returns, as web-push. */
export interface RequestDetails {
  method: 'POST'
  headers: Record<string, string | number>
  body: Buffer | null
  endpoint: string
  proxy?: RequestOptions['proxy']
  agent?: Agent
  timeout?: number
}

// web-push keeps these per module: setGCMAPIKey and setVapidDetails change them for every later send.
let gcmAPIKey: string | null = ''
let vapidDetails: VapidDetails | null | undefined

/**
 * Sets the GCM/FCM server key used for `https://android.googleapis.com/gcm/send` endpoints; `null` clears it.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for anything but a non-empty string or null
 */
export function setGCMAPIKey(apiKey: string | null): void {
  if (apiKey === null) {
    gcmAPIKey = null
    return
  }
  if (typeof apiKey !== 'string' || apiKey.length === 0) {
    throw fail('The GCM API Key should be a non-empty string or null.')
  }
  gcmAPIKey = apiKey
}

/**
 * Sets the VAPID details every later send uses; `setVapidDetails(null)` clears them. Checks the
 * format only, as web-push: a key that is not on P-256 is refused when a token is signed with it.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` with web-push's messages
 * @example
 * setVapidDetails('mailto:me@example.com', keys.publicKey, keys.privateKey)
 */
export function setVapidDetails(subject: string | null, publicKey?: string, privateKey?: string): void {
  // biome-ignore lint/complexity/noArguments: web-push tells `setVapidDetails(null)` apart by its argument count
  if (arguments.length === 1 && subject === null) {
    vapidDetails = null
    return
  }
  validateSubject(subject)
  validatePublicKey(publicKey)
  validatePrivateKey(privateKey)
  vapidDetails = { subject, publicKey, privateKey }
}

/** The option names web-push accepts, in its order (its error message lists them). */
const VALID_OPTION_KEYS = [
  'headers',
  'gcmAPIKey',
  'vapidDetails',
  'TTL',
  'contentEncoding',
  'urgency',
  'topic',
  'proxy',
  'agent',
  'timeout',
]

/** `scheme://host[:port]` of an endpoint: the VAPID audience (RFC 8292 §2: the push resource's origin). */
function audienceOf(endpoint: string): string {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw fail(`VAPID audience is not a url. ${endpoint}`)
  }
  return `${url.protocol}//${url.host}`
}

/** web-push's option checks; returns the options in force. */
function readOptions(options: RequestOptions | undefined) {
  const read = {
    gcmAPIKey,
    vapidDetails,
    TTL: DEFAULT_TTL,
    headers: {} as Record<string, string | number>,
    contentEncoding: supportedContentEncodings.AES_128_GCM as string,
    urgency: supportedUrgency.NORMAL as string,
    topic: undefined as string | undefined,
    proxy: undefined as RequestOptions['proxy'],
    agent: undefined as Agent | undefined,
    timeout: undefined as number | undefined,
  }
  if (!options) return read
  for (const key of Object.keys(options)) {
    if (!VALID_OPTION_KEYS.includes(key) && key !== 'allowPrivateNetwork') {
      throw fail(`'${key}' is an invalid option. The valid options are ['${VALID_OPTION_KEYS.join("', '")}'].`)
    }
  }
  if (options.headers) {
    read.headers = options.headers
    const duplicates = Object.keys(options.headers).filter(
      (header) => (options as Record<string, unknown>)[header] !== undefined,
    )
    if (duplicates.length > 0) {
      // web-push's message, its missing space included, so code matching on it keeps working.
      throw fail(
        `Duplicated headers defined [${duplicates.join(',')}]. Please either define the header in thetop level options OR in the 'headers' key.`,
      )
    }
  }
  if (options.gcmAPIKey) read.gcmAPIKey = options.gcmAPIKey
  // A falsy vapidDetails turns VAPID off for this request (to send with a GCM/FCM key).
  if (options.vapidDetails !== undefined) read.vapidDetails = options.vapidDetails
  if (options.TTL !== undefined) {
    read.TTL = Number(options.TTL)
    if (read.TTL < 0) throw fail('TTL should be a number and should be at least 0')
  }
  if (options.contentEncoding) {
    if (!Object.values(supportedContentEncodings).includes(options.contentEncoding as 'aesgcm')) {
      throw fail('Unsupported content encoding specified.', 'ERR_WP_UNSUPPORTED_ENCODING')
    }
    read.contentEncoding = options.contentEncoding
  }
  if (options.urgency) {
    if (!Object.values(supportedUrgency).includes(options.urgency as 'low')) {
      throw fail('Unsupported urgency specified.')
    }
    read.urgency = options.urgency
  }
  if (options.topic) {
    // RFC 8030 §5.4: at most 32 characters of the URL-safe base64 alphabet.
    if (!isBase64url(options.topic)) {
      throw fail('Unsupported characters set use the URL or filename-safe Base64 characters set')
    }
    if (options.topic.length > 32) {
      throw fail('use maximum of 32 characters from the URL or filename-safe Base64 characters set')
    }
    read.topic = options.topic
  }
  if (options.proxy) {
    if (typeof options.proxy === 'string' || typeof options.proxy.host === 'string') read.proxy = options.proxy
    else console.warn('Attempt to use proxy option, but invalid type it should be a string or proxy options object.')
  }
  if (options.agent) {
    if (options.agent instanceof Agent) {
      if (read.proxy) console.warn('Agent option will be ignored because proxy option is defined.')
      read.agent = options.agent
    } else {
      console.warn('Wrong type for the agent option, it should be an instance of https.Agent.')
    }
  }
  if (typeof options.timeout === 'number') read.timeout = options.timeout
  return read
}

/**
 * The request `sendNotification` would make, without sending it: web-push's headers in web-push's
 * order, the encrypted body, and the transport options.
 * @throws WebPushError with web-push's messages for bad input
 * @example
 * const { endpoint, headers, body } = generateRequestDetails(subscription, 'hello', { TTL: 60 })
 */
export function generateRequestDetails(
  subscription: PushSubscription,
  payload?: string | Buffer | null,
  options?: RequestOptions,
): RequestDetails {
  if (!subscription?.endpoint) throw fail('You must pass in a subscription with at least an endpoint.')
  if (typeof subscription.endpoint !== 'string' || subscription.endpoint.length === 0) {
    throw fail('The subscription endpoint must be a string with a valid URL.')
  }
  if (payload && (typeof subscription !== 'object' || !subscription.keys?.p256dh || !subscription.keys.auth)) {
    throw fail("To send a message with a payload, the subscription must have 'auth' and 'p256dh' keys.")
  }
  const read = readOptions(options)
  const headers: Record<string, string | number> = { TTL: read.TTL, ...read.headers }
  let body: Buffer | null = null
  if (payload && subscription.keys) {
    const encrypted = encrypt(subscription.keys.p256dh, subscription.keys.auth, payload, read.contentEncoding)
    headers['Content-Length'] = encrypted.cipherText.length
    headers['Content-Type'] = 'application/octet-stream'
    headers['Content-Encoding'] = read.contentEncoding
    if (read.contentEncoding === supportedContentEncodings.AES_GCM) {
      headers.Encryption = `salt=${encrypted.salt}`
      headers['Crypto-Key'] = `dh=${encrypted.localPublicKey.toString('base64url')}`
    }
    body = encrypted.cipherText
  } else {
    headers['Content-Length'] = 0
  }
  const endpoint = subscription.endpoint
  // GCM takes no VAPID: its server key instead. FCM takes either, VAPID first.
  if (endpoint.startsWith('https://android.googleapis.com/gcm/send')) {
    if (!read.gcmAPIKey) {
      console.warn(
        "Attempt to send push notification to GCM endpoint, but no GCM key is defined. Please use setGCMApiKey() or add 'gcmAPIKey' as an option.",
      )
    } else {
      headers.Authorization = `key=${read.gcmAPIKey}`
    }
  } else if (read.vapidDetails) {
    const { subject, publicKey, privateKey } = read.vapidDetails
    const vapid = getVapidHeaders(audienceOf(endpoint), subject, publicKey, privateKey, read.contentEncoding)
    headers.Authorization = vapid.Authorization
    if (read.contentEncoding === supportedContentEncodings.AES_GCM) {
      const cryptoKey = vapid['Crypto-Key'] as string
      headers['Crypto-Key'] = headers['Crypto-Key'] ? `${headers['Crypto-Key']};${cryptoKey}` : cryptoKey
    }
  } else if (endpoint.startsWith('https://fcm.googleapis.com/fcm/send') && read.gcmAPIKey) {
    headers.Authorization = `key=${read.gcmAPIKey}`
  }
  headers.Urgency = read.urgency
  if (read.topic) headers.Topic = read.topic
  const details: RequestDetails = { method: 'POST', headers, body, endpoint }
  if (read.proxy) details.proxy = read.proxy
  if (read.agent) details.agent = read.agent
  if (read.timeout) details.timeout = read.timeout
  return details
}
