/** VAPID request headers for one request, in either content encoding (RFC 8292 §3). */
import { type ContentEncoding, WebPushError } from '@wp/ece'
import { toContentEncoding, toEndpointUrl } from '@wp/ece/utils'
import { buildHeaders } from './internal/build-headers.js'
import { claimsFor, signClaims } from './internal/claims.js'
import { importVapidKey, type VapidKey, type VapidKeyInput } from './keys.js'

/** Options of {@link vapidHeaders}. */
export interface VapidHeadersOptions {
  /** The private key: a `VapidKey`, or anything `importVapidKey` reads (imported on every call). */
  key: VapidKey | VapidKeyInput
  /** The subscription endpoint; the token's `aud` is its origin. */
  endpoint: string
  /** A `mailto:` or `https:` URI the push service can contact (RFC 8292 §2.1). */
  subject: string
  /** `'aes128gcm'` (default) or `'aesgcm'`: the form of the headers. */
  encoding?: ContentEncoding
  /** Expiry as seconds since the epoch or a `Date`: at most 24 hours ahead; default 12 hours. */
  expiresAt?: number | Date
}

/**
 * The origin of an endpoint, the audience of its token (RFC 8292 §2: "the origin of the push
 * resource URL"): scheme, lowercase host, and the port when it is not the default.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for an endpoint that is not an http(s) URL
 * @example
 * audienceOf('https://fcm.googleapis.com/fcm/send/abc') // 'https://fcm.googleapis.com'
 */
export function audienceOf(endpoint: unknown): string {
  // `origin` of a parsed http(s) URL is already canonical: scheme, lowercase host, port only if not the default.
  return toEndpointUrl(endpoint).origin
}

/**
 * The VAPID headers for one request: `{ Authorization: 'vapid t=…, k=…' }` for `aes128gcm`;
 * `{ Authorization: 'WebPush …', 'Crypto-Key': 'p256ecdsa=…' }` for `aesgcm`. Signs a new token
 * every call: for many messages use `VapidSigner`.
 * @returns the header names and values to add to the push request
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for options that are not an object or an endpoint
 *   that is not an http(s) URL, `ERR_WP_UNSUPPORTED_ENCODING`, `ERR_WP_VAPID_CLAIMS` for a bad
 *   `subject` or `expiresAt`, `ERR_WP_VAPID_KEY` for a key it cannot read
 * @example
 * await vapidHeaders({ key, endpoint: subscription.endpoint, subject: 'mailto:ops@example.com' })
 * // { Authorization: 'vapid t=eyJ0eXAi…, k=BA1Hxzyi…' }
 */
export async function vapidHeaders(options: VapidHeadersOptions): Promise<Record<string, string>> {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'vapidHeaders needs { key, endpoint, subject }')
  const encoding = toContentEncoding(options.encoding)
  const claims = claimsFor(audienceOf(options.endpoint), options.subject, options.expiresAt)
  const key = await importVapidKey(options.key)
  return buildHeaders(encoding, await signClaims(key, claims), key.applicationServerKey)
}
