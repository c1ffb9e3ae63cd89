/** The shape of a JWS in compact serialisation (RFC 7515 §7.1), checked before anything is decoded. */
import { WebPushError } from '@wp/ece/utils'

/** base64url's alphabet (RFC 4648 §5), by character code. */
const BASE64URL = new Uint8Array(128)
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') BASE64URL[c.charCodeAt(0)] = 1

function tokenError(message: string): WebPushError {
  return new WebPushError('ERR_WP_VAPID_TOKEN', message)
}

/**
 * Splits a compact JWS into its three parts, in one pass over the text. RFC 7515 §7.1:
 * `BASE64URL(header) . BASE64URL(payload) . BASE64URL(signature)`, each part non-empty for a VAPID
 * token, and §2: base64url without padding, so an `=` anywhere is refused.
 * @throws WebPushError `ERR_WP_VAPID_TOKEN` for anything else (the token itself is never quoted)
 */
export function splitJws(token: unknown): [header: string, payload: string, signature: string] {
  if (typeof token !== 'string') throw tokenError('the token must be a string')
  const dots: number[] = []
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i)
    if (c === 0x2e /* . */) {
      if (dots.push(i) > 2) break
    } else if (c === 0x3d /* = */) throw tokenError('the token has base64 padding, which JWS forbids')
    else if (c >= 128 || BASE64URL[c] === 0)
      throw tokenError(`the token has a character that is not base64url at position ${i}`)
  }
  const [first, second] = dots as [number, number]
  if (dots.length !== 2) throw tokenError('the token is not a JWS compact serialisation (three dot-separated parts)')
  if (first === 0 || second === first + 1 || second === token.length - 1)
    throw tokenError('the token has an empty part')
  return [token.slice(0, first), token.slice(first + 1, second), token.slice(second + 1)]
}
