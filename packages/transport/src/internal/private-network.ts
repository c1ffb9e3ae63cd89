/**
 * `allowPrivateNetwork`: `false` (the default), `true`, or a list of origins that alone may be on a
 * private address and may be `http:`. Endpoints come from browsers: without this a subscription could
 * turn the sender into a proxy into its own network.
 */
import { describeValue, WebPushError } from '@wp/ece/utils'

/** The checked option: a boolean, or the set of allowed origins (as `URL.origin` spells them). */
export type PrivateNetworkPolicy = boolean | ReadonlySet<string>

/**
 * Checks `allowPrivateNetwork`: a boolean, or an array of origins (`http://127.0.0.1:8090`), each an
 * http(s) URL with nothing but scheme, host and port.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` naming the entry
 */
export function toPrivateNetworkPolicy(value: unknown): PrivateNetworkPolicy {
  if (value === undefined) return false
  if (typeof value === 'boolean') return value
  if (!Array.isArray(value))
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `allowPrivateNetwork must be a boolean or an array of origins, got ${describeValue(value)}`,
    )
  const origins = new Set<string>()
  value.forEach((entry, i) => {
    let url: URL | undefined
    try {
      url = typeof entry === 'string' ? new URL(entry) : undefined
    } catch {
      url = undefined
    }
    const bare = url !== undefined && (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash
    if (
      url === undefined ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      !bare ||
      url.username !== '' ||
      url.password !== ''
    )
      throw new WebPushError(
        'ERR_WP_INVALID_ARGUMENT',
        `allowPrivateNetwork[${i}] must be an origin such as http://127.0.0.1:8090 (scheme, host and port only)`,
      )
    origins.add(url.origin)
  })
  return origins
}

/** Whether `policy` lets the endpoint whose origin is `origin()` be private or `http:`. */
export function allowsPrivate(policy: PrivateNetworkPolicy, origin: () => string): boolean {
  return typeof policy === 'boolean' ? policy : policy.has(origin())
}
