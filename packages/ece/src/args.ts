/**
 * Argument checks shared by every @wp package (exported from `@wp/ece/utils`). Each check names the
 * field it checks, so an error says what was wrong and what was expected, and never quotes a value.
 */
import { base64urlDecode } from './base64url.js'
import { describeValue, isBytes } from './bytes.js'
import { WebPushError, type WebPushErrorCode } from './errors.js'

/** Bytes, or their base64url text (padded or not): how every key, secret and salt is accepted. */
export type BytesLike = Uint8Array | string

/**
 * Reads an argument that must be bytes as they are (a body, a point), not base64url text.
 * @param value what the caller passed
 * @param field the name to use in an error message (`'body'`, ...)
 * @returns `value`, unchanged
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for anything but a Uint8Array (a Node `Buffer` is one)
 */
export function toByteArray(value: unknown, field: string): Uint8Array {
  if (!isBytes(value))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} must be a Uint8Array, got ${describeValue(value)}`)
  return value
}

/**
 * Reads a binary argument given as bytes or base64url text and checks its length.
 * @param value what the caller passed
 * @param field the name to use in an error message (`'p256dh'`, `'auth'`, ...)
 * @param length the required length in bytes, if there is one
 * @param lengthCode the code for a wrong length (default `ERR_WP_KEY_LENGTH`)
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for another type, `ERR_WP_BASE64URL` for bad text,
 *   `lengthCode` for a wrong length
 */
export function toBytes(
  value: unknown,
  field: string,
  length?: number,
  lengthCode: WebPushErrorCode = 'ERR_WP_KEY_LENGTH',
): Uint8Array {
  let bytes: Uint8Array
  if (typeof value === 'string') bytes = base64urlDecode(value, field)
  else if (isBytes(value)) bytes = value
  else
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `${field} must be a Uint8Array or a base64url string, got ${describeValue(value)}`,
    )
  if (length !== undefined && bytes.length !== length)
    throw new WebPushError(lengthCode, `${field} must be ${length} bytes, got ${bytes.length}`)
  return bytes
}

/** Checks that `value` is an integer in `[min, max]`; raises `ERR_WP_INVALID_ARGUMENT` (or `code`) otherwise. */
export function toInteger(
  value: unknown,
  field: string,
  min: number,
  max: number,
  code: WebPushErrorCode = 'ERR_WP_INVALID_ARGUMENT',
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new WebPushError(
      code,
      `${field} must be an integer from ${min} to ${max}, got ${typeof value === 'number' ? value : describeValue(value)}`,
    )
  return value
}

/** Raises `ERR_WP_INVALID_ARGUMENT` unless `value` is a plain object (or undefined, when allowed). */
export function toOptions<T extends object>(value: unknown, field: string): Partial<T> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} must be an object, got ${describeValue(value)}`)
  return value as Partial<T>
}

/**
 * Parses a push subscription endpoint: an absolute `https:` (or `http:`) URL.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` naming `field` and what was expected
 */
export function toEndpointUrl(value: unknown, field = 'endpoint'): URL {
  if (typeof value !== 'string')
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} must be a URL string, got ${describeValue(value)}`)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} is not a valid URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} must be an https: URL, got ${url.protocol}`)
  return url
}
