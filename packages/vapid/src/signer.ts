/** A signer that keeps one VAPID token per push service and reuses it (RFC 8292 §2). */
import { type ContentEncoding, WebPushError } from '@wp/ece'
import { toContentEncoding, toInteger } from '@wp/ece/utils'
import { audienceOf } from './headers.js'
import { buildHeaders } from './internal/build-headers.js'
import { checkAudience, checkSubject, signClaims } from './internal/claims.js'
import { importVapidKey, type VapidKey, type VapidKeyInput } from './keys.js'
import { DEFAULT_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LIFETIME_SECONDS } from './lifetime.js'

/** Options of {@link VapidSigner}. */
export interface VapidSignerOptions {
  /** The private key: a `VapidKey`, or anything `importVapidKey` reads (imported once, on first use). */
  key: VapidKey | VapidKeyInput
  /** A `mailto:` or `https:` URI the push service can contact (RFC 8292 §2.1). */
  subject: string
  /** How long each token is valid, in seconds: an integer from 60 to 86400, default 43200 (12 h). */
  tokenLifetimeSeconds?: number
  /** How many audiences to keep tokens for: a positive safe integer, default 1000; the oldest is dropped past that. */
  maxAudiences?: number
}

interface Cached {
  token: Promise<string>
  refreshAt: number
}

/**
 * Signs one token per audience (push service origin) and reuses it until shortly before it expires,
 * as RFC 8292 §2 expects. The key is imported once, on first use.
 * @throws WebPushError (from the constructor) `ERR_WP_INVALID_ARGUMENT` for options that are not an
 *   object or a bad `maxAudiences`, `ERR_WP_VAPID_CLAIMS` for a bad `subject` or `tokenLifetimeSeconds`,
 *   `ERR_WP_VAPID_KEY` for a missing key
 * @example
 * const signer = new VapidSigner({ key, subject: 'mailto:ops@example.com' })
 * await signer.headers(subscription.endpoint) // one token per push service, reused for 12 h less a margin
 */
export class VapidSigner {
  /** The `sub` of every token. */
  readonly subject: string
  /** How long each token is valid, in seconds. */
  readonly tokenLifetimeSeconds: number
  readonly #keyInput: VapidKey | VapidKeyInput
  #key: Promise<VapidKey> | undefined
  readonly #cache = new Map<string, Cached>()
  readonly #maxAudiences: number

  constructor(options: VapidSignerOptions) {
    if (typeof options !== 'object' || options === null || Array.isArray(options))
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'VapidSigner needs { key, subject }')
    this.subject = checkSubject(options.subject)
    // Every number is checked for type and range: NaN, Infinity or a string would compare false
    // everywhere (a maxAudiences of NaN never evicted anything). `=== undefined`, not `??`: null is a
    // wrong value, not a request for the default.
    const lifetime = options.tokenLifetimeSeconds
    this.tokenLifetimeSeconds =
      lifetime === undefined
        ? DEFAULT_TOKEN_LIFETIME_SECONDS
        : toInteger(lifetime, 'tokenLifetimeSeconds', 60, MAX_TOKEN_LIFETIME_SECONDS, 'ERR_WP_VAPID_CLAIMS')
    const max = options.maxAudiences
    this.#maxAudiences = max === undefined ? 1000 : toInteger(max, 'maxAudiences', 1, Number.MAX_SAFE_INTEGER)
    if (options.key === undefined || options.key === null)
      throw new WebPushError('ERR_WP_VAPID_KEY', 'VapidSigner needs a key')
    this.#keyInput = options.key
  }

  /**
   * The imported key (imported on first use).
   * @throws WebPushError (rejects with) `ERR_WP_VAPID_KEY` for a key it cannot read
   */
  key(): Promise<VapidKey> {
    this.#key ??= importVapidKey(this.#keyInput)
    return this.#key
  }

  /**
   * A token for `audience` (an origin), reused until a twelfth of its lifetime (at most 5 minutes) is left.
   * @throws WebPushError `ERR_WP_VAPID_CLAIMS` for an audience that is not an origin; `ERR_WP_VAPID_KEY` for the key
   */
  async token(audience: string): Promise<string> {
    const now = Date.now()
    const hit = this.#cache.get(audience)
    if (hit !== undefined && now < hit.refreshAt) return hit.token
    const aud = checkAudience(audience)
    const exp = Math.floor(now / 1000) + this.tokenLifetimeSeconds
    const margin = Math.min(300, Math.floor(this.tokenLifetimeSeconds / 12))
    const token = this.key().then((key) => signClaims(key, { aud, exp, sub: this.subject }))
    const entry = { token, refreshAt: (exp - margin) * 1000 }
    if (hit === undefined && this.#cache.size >= this.#maxAudiences) {
      const oldest = this.#cache.keys().next()
      if (!oldest.done) this.#cache.delete(oldest.value)
    }
    this.#cache.set(audience, entry)
    token.catch(() => {
      if (this.#cache.get(audience) === entry) this.#cache.delete(audience)
    })
    return token
  }

  /**
   * The VAPID headers for a request to `endpoint` in `encoding` (default `aes128gcm`), as `vapidHeaders` makes them.
   * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for an endpoint that is not an http(s) URL,
   *   `ERR_WP_UNSUPPORTED_ENCODING`, `ERR_WP_VAPID_KEY` for the key
   */
  async headers(endpoint: string, encoding: ContentEncoding = 'aes128gcm'): Promise<Record<string, string>> {
    const enc = toContentEncoding(encoding)
    const aud = this.#audience(endpoint)
    const token = await this.token(aud)
    return buildHeaders(enc, token, (await (this.#key as Promise<VapidKey>)).applicationServerKey)
  }

  /** Origin of an endpoint, without a URL parse on the hot path: the cache is keyed on the prefix. */
  #audience(endpoint: string): string {
    if (typeof endpoint === 'string') {
      // scheme://host[:port]/...: the origin is everything before the third slash when it is already canonical.
      const slash = endpoint.indexOf('/', 8)
      const prefix = slash < 0 ? endpoint : endpoint.slice(0, slash)
      if (this.#cache.has(prefix)) return prefix
    }
    return audienceOf(endpoint)
  }
}
