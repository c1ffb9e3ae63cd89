/** VAPID request headers for both content encodings, and a signer that reuses tokens. */
import { type ContentEncoding, WebPushError } from '@wp/ece'
import { toContentEncoding, toEndpointUrl, toInteger } from '@wp/ece/utils'
import { importVapidKey, type VapidKey, type VapidKeyInput } from './keys.js'
import {
  checkAudience,
  checkExpiry,
  checkSubject,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  MAX_TOKEN_LIFETIME_SECONDS,
  nowSeconds,
  signClaims,
} from './token.js'

/** Options of {@link vapidHeaders}. */
export interface VapidHeadersOptions {
  key: VapidKey | VapidKeyInput
  /** The subscription endpoint; the token's `aud` is its origin. */
  endpoint: string
  subject: string
  encoding?: ContentEncoding
  expiresAt?: number | Date
}

/** The origin of an endpoint, the audience of its token. */
export function audienceOf(endpoint: unknown): string {
  // `origin` of a parsed http(s) URL is already canonical: scheme, lowercase host, port only if not the default.
  return toEndpointUrl(endpoint).origin
}

/** Builds the headers of one encoding from a token and the public key. */
function build(encoding: ContentEncoding, token: string, key: VapidKey): Record<string, string> {
  // RFC 8292 §3: `vapid t=<jwt>, k=<key>`; the aesgcm-era draft: `WebPush <jwt>` and `Crypto-Key: p256ecdsa=<key>`.
  return encoding === 'aes128gcm'
    ? { Authorization: `vapid t=${token}, k=${key.applicationServerKey}` }
    : { Authorization: `WebPush ${token}`, 'Crypto-Key': `p256ecdsa=${key.applicationServerKey}` }
}

/**
 * The VAPID headers for one request: `{ Authorization: 'vapid t=…, k=…' }` for `aes128gcm`;
 * `{ Authorization: 'WebPush …', 'Crypto-Key': 'p256ecdsa=…' }` for `aesgcm`. Signs a new token
 * every call: for many messages use {@link VapidSigner}.
 */
export async function vapidHeaders(options: VapidHeadersOptions): Promise<Record<string, string>> {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'vapidHeaders needs { key, endpoint, subject }')
  const encoding = toContentEncoding(options.encoding)
  const aud = audienceOf(options.endpoint)
  const sub = checkSubject(options.subject)
  const now = nowSeconds()
  const exp =
    options.expiresAt === undefined ? now + DEFAULT_TOKEN_LIFETIME_SECONDS : checkExpiry(options.expiresAt, now)
  const key = await importVapidKey(options.key)
  return build(encoding, await signClaims(key, { aud, exp, sub }), key)
}

/** Options of {@link VapidSigner}. */
export interface VapidSignerOptions {
  key: VapidKey | VapidKeyInput
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
 */
export class VapidSigner {
  readonly subject: string
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

  /** The imported key (imported on first use). */
  key(): Promise<VapidKey> {
    this.#key ??= importVapidKey(this.#keyInput)
    return this.#key
  }

  /** A token for `audience`, reused until a twelfth of its lifetime (at most 5 minutes) is left. */
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

  /** The VAPID headers for a request to `endpoint` in `encoding` (default `aes128gcm`). */
  async headers(endpoint: string, encoding: ContentEncoding = 'aes128gcm'): Promise<Record<string, string>> {
    const enc = toContentEncoding(encoding)
    const aud = this.#audience(endpoint)
    const token = await this.token(aud)
    return build(enc, token, await (this.#key as Promise<VapidKey>))
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
