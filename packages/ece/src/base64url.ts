/**
 * Strict base64url (RFC 4648 §5). Decoding accepts the unpadded form and the correctly padded one,
 * and rejects everything else: `+`, `/`, whitespace, misplaced `=`, and lengths no encoder produces.
 */
import { describeValue, isBytes } from './bytes.js'
import { WebPushError } from './errors.js'
import { decode64, encode64, radix64 } from './internal/radix64.js'

const BASE64URL = radix64('base64url', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')

/**
 * Encodes bytes as base64url without padding.
 * @returns the base64url text (RFC 4648 §5), no `=`
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` when `bytes` is not a Uint8Array
 * @example
 * ```ts
 * base64urlEncode(Uint8Array.of(0xfb, 0xff)) // '-_8'
 * ```
 */
export function base64urlEncode(bytes: Uint8Array): string {
  if (!isBytes(bytes))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `bytes must be a Uint8Array, got ${describeValue(bytes)}`)
  return encode64(BASE64URL, bytes, false)
}

/**
 * Decodes base64url text, padded or not.
 * @param field names the value in an error message (the text itself is never quoted: it may be a secret)
 * @returns the decoded bytes
 * @throws WebPushError `ERR_WP_BASE64URL` for anything that is not base64url
 * @example
 * ```ts
 * base64urlDecode(subscription.keys.auth, 'auth') // 16 bytes; 'auth is not valid base64url: ...' otherwise
 * ```
 */
export function base64urlDecode(text: string, field = 'value'): Uint8Array<ArrayBuffer> {
  return decode64(BASE64URL, text, field)
}
