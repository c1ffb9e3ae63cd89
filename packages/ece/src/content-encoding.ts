/** The two content encodings of Web Push, and the one parser of an encoding argument. */
import { describeValue } from './bytes.js'
import { WebPushError } from './errors.js'

/**
 * The two content encodings Web Push uses: `'aes128gcm'` (RFC 8188 as RFC 8291 §4 profiles it) and
 * the older `'aesgcm'` (draft-ietf-webpush-encryption-04).
 */
export type ContentEncoding = 'aes128gcm' | 'aesgcm'

/**
 * Reads a content-encoding argument; absent means `'aes128gcm'`, the encoding of RFC 8291.
 * @param value what the caller passed
 * @param field the name to use in an error message (default `'encoding'`)
 * @returns `'aes128gcm'` or `'aesgcm'`
 * @throws WebPushError `ERR_WP_UNSUPPORTED_ENCODING` for any other value
 * @example
 * ```ts
 * toContentEncoding(undefined) // 'aes128gcm'
 * toContentEncoding('aesgcm') // 'aesgcm'
 * toContentEncoding('gzip') // throws ERR_WP_UNSUPPORTED_ENCODING: encoding must be 'aes128gcm' or 'aesgcm', got 'gzip'
 * ```
 */
export function toContentEncoding(value: unknown, field = 'encoding'): ContentEncoding {
  if (value === undefined) return 'aes128gcm'
  if (value === 'aes128gcm' || value === 'aesgcm') return value
  throw new WebPushError(
    'ERR_WP_UNSUPPORTED_ENCODING',
    `${field} must be 'aes128gcm' or 'aesgcm', got ${typeof value === 'string' ? `'${value.slice(0, 32)}'` : describeValue(value)}`,
  )
}
