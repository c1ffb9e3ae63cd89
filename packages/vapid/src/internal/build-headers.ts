/** The request headers that carry a VAPID token and key, in each content encoding's form. */
import type { ContentEncoding } from '@wp/ece'

/**
 * The headers of one request: RFC 8292 §3 `Authorization: vapid t=<jwt>, k=<key>` for `aes128gcm`;
 * for `aesgcm`, the form of its era (draft-ietf-webpush-vapid-01): `Authorization: WebPush <jwt>`
 * and `Crypto-Key: p256ecdsa=<key>`. `parseVapidAuthorization` reads both back.
 */
export function buildHeaders(
  encoding: ContentEncoding,
  token: string,
  applicationServerKey: string,
): Record<string, string> {
  return encoding === 'aes128gcm'
    ? { Authorization: `vapid t=${token}, k=${applicationServerKey}` }
    : { Authorization: `WebPush ${token}`, 'Crypto-Key': `p256ecdsa=${applicationServerKey}` }
}
