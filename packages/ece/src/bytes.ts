/**
 * Byte helpers and argument checks shared by every @wp package (exported from `@wp/ece/utils`).
 * Each check names the field it checks, so an error says what was wrong and what was expected.
 */
import { base64urlDecode } from './base64url.js'
import { WebPushError, type WebPushErrorCode } from './errors.js'

/** Bytes, or their base64url text (padded or not): how every key, secret and salt is accepted. */
export type BytesLike = Uint8Array | string

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 bytes of a string. */
export function utf8Encode(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text)
}

/** A string from UTF-8 bytes; invalid UTF-8 raises `ERR_WP_INVALID_ARGUMENT`. */
export function utf8Decode(bytes: Uint8Array, field = 'value'): string {
  try {
    return decoder.decode(bytes)
  } catch (cause) {
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} is not valid UTF-8`, { cause })
  }
}

/**
 * The concatenation of the given byte arrays, in a fresh buffer: `concatBytes(a, b, c)` for a few
 * parts, `concatBytes(list)` for a list of any length. Never spread a long list into arguments
 * (`concatBytes(...list)`): past about 100,000 of them the call overflows the stack.
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer>
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer>
export function concatBytes(...args: Uint8Array[] | [readonly Uint8Array[]]): Uint8Array<ArrayBuffer> {
  const parts: readonly Uint8Array[] = args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as Uint8Array[])
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** Constant-time equality of two byte arrays (the time depends on the length only). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

/** A copy of `bytes` in its own `ArrayBuffer` (never a view into someone else's memory). */
export function copyBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length)
  out.set(bytes)
  return out
}

/** True for a `Uint8Array` (a Node `Buffer` counts: it is one). */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && value.constructor?.name === 'Uint8Array')
}

/**
 * Describes a value for an error message without ever printing its contents (it may be a secret).
 * @returns `'null'`, `'32 bytes'`, `'an array'`, `'a string of 12 characters'`, `'a number'`, ...
 * @example
 * ```ts
 * throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `ttl must be a number, got ${describeValue(ttl)}`)
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (isBytes(value)) return `${value.length} bytes`
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `a string of ${value.length} characters`
  return `a ${typeof value}`
}

/**
 * The old name of {@link describeValue}, which does not clash with vitest's `describe`.
 * @deprecated use `describeValue`
 */
export const describe: (value: unknown) => string = describeValue

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
