/**
 * RFC 8292 on the push service's side: the VAPID credentials of a push request, read by
 * `@wp/vapid`'s `parseVapidAuthorization`, held against the key the subscription was made with, and
 * verified. Every refusal is autopush's errno 109.
 */
import { equalBytes, WebPushError } from '@wp/ece/utils'
import { parseVapidAuthorization, type VapidAuthorization, type VapidClaims, verifyVapidToken } from '@wp/vapid'
import { HttpError } from './http-error.js'

/** The reason of a refusal: a `WebPushError`'s message names the fault and never quotes the token. */
const reason = (error: unknown, fallback: string): string => (WebPushError.is(error) ? error.message : fallback)

/**
 * The verified claims of a push request's VAPID credentials, or undefined when it has none and
 * needs none.
 * @param key the application server key the subscription was made with, if any
 * @param headers the request's headers, names in lowercase
 * @param audience the service's origin: RFC 8292 §2 `aud`
 * @param strict whether a subscription made with a key requires credentials (`strict: false` does not)
 * @throws HttpError 401 for missing credentials where they are required, malformed ones, or a token
 *   that does not verify (signature, `aud`, `exp`); 403 for credentials of another key than the
 *   subscription's
 */
export async function checkVapid(
  key: Uint8Array | undefined,
  headers: Record<string, string>,
  audience: string,
  strict: boolean,
): Promise<VapidClaims | undefined> {
  const authorization = headers.authorization
  if (authorization === undefined) {
    // RFC 8292 §4.2: a restricted subscription takes no message without credentials.
    if (key !== undefined && strict)
      throw new HttpError(
        401,
        109,
        'Missing Authorization header: this subscription was made with an applicationServerKey',
      )
    return undefined
  }
  let credentials: VapidAuthorization
  try {
    credentials = parseVapidAuthorization(authorization, headers['crypto-key'])
  } catch (error) {
    throw new HttpError(401, 109, `Invalid Authorization header: ${reason(error, 'expected "vapid t=<jwt>, k=<key>"')}`)
  }
  // RFC 8292 §4.2: the key of the credentials must be the one the subscription was made with (compared
  // in constant time).
  if (key !== undefined && !equalBytes(key, credentials.publicKey))
    throw new HttpError(
      403,
      109,
      'VAPID key mismatch: the token is signed by another key than the subscription was made with',
    )
  try {
    return await verifyVapidToken(credentials.token, credentials.publicKey, { audience })
  } catch (error) {
    throw new HttpError(401, 109, `Invalid VAPID token: ${reason(error, 'invalid token')}`)
  }
}
