/**
 * The core of the two RFC 4648 codecs, base64 (§4) and base64url (§5): one encoder and one strict
 * decoder, each given its 64-character alphabet. `base64.ts` and `base64url.ts` check their
 * arguments and name their alphabet; the loops live here once.
 */
import { WebPushError } from '../errors.js'

/** An RFC 4648 alphabet and what an error message calls it. */
export interface Radix64 {
  /** `'base64'` or `'base64url'`, as error messages name the encoding. */
  readonly name: string
  /** The 64 characters, in value order. */
  readonly alphabet: string
  /** The characters besides A-Z a-z 0-9, as error messages list them (`'+ /'`, `'- _'`). */
  readonly extra: string
  /** Character code to 6-bit value, -1 where the character is not in the alphabet. */
  readonly table: Int8Array
}

/** The {@link Radix64} of `alphabet`. */
export function radix64(name: string, alphabet: string): Radix64 {
  const table = new Int8Array(128).fill(-1)
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i
  return { name, alphabet, extra: `${alphabet.charAt(62)} ${alphabet.charAt(63)}`, table }
}

/** Encodes `bytes` in `codec`'s alphabet; `pad` adds the `=` of RFC 4648 §3.2. */
export function encode64(codec: Radix64, bytes: Uint8Array, pad: boolean): string {
  const { alphabet } = codec
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
    out += alphabet.charAt(v >>> 18) + alphabet.charAt((v >>> 12) & 63) + (pad ? '==' : '')
  } else if (n - i === 2) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8)
    out +=
      alphabet.charAt(v >>> 18) + alphabet.charAt((v >>> 12) & 63) + alphabet.charAt((v >>> 6) & 63) + (pad ? '=' : '')
  }
  return out
}

/**
 * Decodes text in `codec`'s alphabet, padded (RFC 4648 §3.2: to a multiple of 4 with the right
 * number of `=`) or not, and refuses everything else: other characters, whitespace, a misplaced `=`
 * and lengths no encoder produces.
 * @param field names the value in an error message (the text itself is never quoted: it may be a secret)
 * @throws WebPushError `ERR_WP_BASE64URL` for a value that is not a string or not in the encoding
 */
export function decode64(codec: Radix64, text: string, field: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string')
    throw new WebPushError('ERR_WP_BASE64URL', `${field} must be a ${codec.name} string, got a ${typeof text}`)
  let end = text.length
  if (end % 4 === 0 && end > 0 && text.charCodeAt(end - 1) === 61 /* = */) {
    end--
    if (text.charCodeAt(end - 1) === 61) end--
  }
  if (end % 4 === 1)
    throw new WebPushError(
      'ERR_WP_BASE64URL',
      `${field} is not valid ${codec.name}: ${text.length} characters is an impossible length`,
    )
  const { table } = codec
  const out = new Uint8Array(Math.floor((end * 3) / 4))
  let o = 0
  let acc = 0
  let bits = 0
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? (table[c] as number) : -1
    if (v < 0)
      throw new WebPushError(
        'ERR_WP_BASE64URL',
        `${field} is not valid ${codec.name}: unexpected character at position ${i} (only A-Z a-z 0-9 ${codec.extra} are allowed)`,
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
