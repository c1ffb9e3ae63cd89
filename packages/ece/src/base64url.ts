/**
 * Strict base64url (RFC 4648 §5). Decoding accepts the unpadded form and the correctly padded one,
 * and rejects everything else: `+`, `/`, whitespace, misplaced `=`, and lengths no encoder produces.
 */
import { WebPushError } from './errors.js'

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const decodeTable = new Int8Array(128).fill(-1)
for (let i = 0; i < alphabet.length; i++) decodeTable[alphabet.charCodeAt(i)] = i

/**
 * Encodes bytes as base64url without padding.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` when `bytes` is not a Uint8Array
 */
export function base64urlEncode(bytes: Uint8Array): string {
  // The check of bytes.ts's isBytes, written out here because bytes.ts imports this module.
  const value: unknown = bytes
  if (!(value instanceof Uint8Array || (ArrayBuffer.isView(value) && value.constructor?.name === 'Uint8Array')))
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `bytes must be a Uint8Array, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    )
  let out = ''
  const n = bytes.length
  let i = 0
  for (; i + 2 < n; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out +=
      alphabet.charAt(v >>> 18) +
      alphabet.charAt((v >>> 12) & 63) +
      alphabet.charAt((v >>> 6) & 63) +
      alphabet.charAt(v & 63)
  }
  if (n - i === 1) {
    const v = (bytes[i] as number) << 16
    out += alphabet.charAt(v >>> 18) + alphabet.charAt((v >>> 12) & 63)
  } else if (n - i === 2) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8)
    out += alphabet.charAt(v >>> 18) + alphabet.charAt((v >>> 12) & 63) + alphabet.charAt((v >>> 6) & 63)
  }
  return out
}

/**
 * Decodes base64url text, padded or not.
 * @param field names the value in an error message (the text itself is never quoted: it may be a secret)
 * @throws WebPushError `ERR_WP_BASE64URL` for anything that is not base64url
 */
export function base64urlDecode(text: string, field = 'value'): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string')
    throw new WebPushError('ERR_WP_BASE64URL', `${field} must be a base64url string, got a ${typeof text}`)
  let end = text.length
  if (end % 4 === 0 && end > 0 && text.charCodeAt(end - 1) === 61 /* = */) {
    end--
    if (text.charCodeAt(end - 1) === 61) end--
  }
  if (end % 4 === 1)
    throw new WebPushError(
      'ERR_WP_BASE64URL',
      `${field} is not valid base64url: ${text.length} characters is an impossible length`,
    )
  const out = new Uint8Array(Math.floor((end * 3) / 4))
  let o = 0
  let acc = 0
  let bits = 0
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? (decodeTable[c] as number) : -1
    if (v < 0)
      throw new WebPushError(
        'ERR_WP_BASE64URL',
        `${field} is not valid base64url: unexpected character at position ${i} (only A-Z a-z 0-9 - _ are allowed)`,
      )
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >>> bits) & 0xff
    }
  }
  return out
}
