/**
 * Strict standard base64 (RFC 4648 §4), the encoding of PEM bodies (RFC 7468 §3) and of DER keys
 * given as text. Beside `base64url.ts`, with the same rules: decoding accepts the unpadded form and
 * the correctly padded one, and rejects everything else (`-`, `_`, whitespace, misplaced `=`,
 * lengths no encoder produces). A caller that allows whitespace, as PEM does, removes it first.
 */
import { describeValue, isBytes } from './bytes.js'
import { WebPushError } from './errors.js'
import { decode64, encode64, radix64 } from './internal/radix64.js'

const BASE64 = radix64('base64', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')

/**
 * Encodes bytes as standard base64, padded with `=` (RFC 4648 §4).
 * @param bytes the bytes to encode
 * @returns the base64 text, a multiple of 4 characters long
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` when `bytes` is not a Uint8Array
 * @example
 * ```ts
 * base64Encode(new TextEncoder().encode('foob')) // 'Zm9vYg=='
 * ```
 */
export function base64Encode(bytes: Uint8Array): string {
  if (!isBytes(bytes))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `bytes must be a Uint8Array, got ${describeValue(bytes)}`)
  return encode64(BASE64, bytes, true)
}

/**
 * Decodes standard base64 text (RFC 4648 §4), padded or not.
 * @param text the base64 text, with no whitespace
 * @param field names the value in an error message (the text itself is never quoted: it may be a secret)
 * @returns the decoded bytes
 * @throws WebPushError `ERR_WP_BASE64URL` (the code of every strict-decoding failure) for anything
 *   that is not base64: a base64url character (`-`, `_`), whitespace, a misplaced `=`, an impossible length
 * @example
 * ```ts
 * base64Decode('Zm9vYg==') // the bytes of 'foob'; 'Zm9vYg' too
 * ```
 */
export function base64Decode(text: string, field = 'value'): Uint8Array<ArrayBuffer> {
  return decode64(BASE64, text, field)
}
