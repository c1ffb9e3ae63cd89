/**
 * The one error type of every @wp package. Defined here, at the lowest layer, and re-exported by the
 * packages above, so `err instanceof WebPushError` and `WebPushError.is(err)` work everywhere.
 */

/** Every code a @wp package raises. Stable: match on these, never on message text. */
export type WebPushErrorCode =
  // caller input
  | 'ERR_WP_INVALID_ARGUMENT'
  | 'ERR_WP_BASE64URL'
  | 'ERR_WP_KEY_LENGTH'
  | 'ERR_WP_INVALID_POINT'
  | 'ERR_WP_INVALID_SUBSCRIPTION'
  | 'ERR_WP_PAYLOAD_TOO_LARGE'
  | 'ERR_WP_UNSUPPORTED_ENCODING'
  | 'ERR_WP_BACKEND_UNAVAILABLE'
  // @wp/ece: content encoding
  | 'ERR_WP_ECE_HEADER'
  | 'ERR_WP_ECE_RECORD_SIZE'
  | 'ERR_WP_ECE_DECRYPT'
  // @wp/vapid
  | 'ERR_WP_VAPID_KEY'
  | 'ERR_WP_VAPID_CLAIMS'
  | 'ERR_WP_VAPID_TOKEN'
  // @wp/transport and above
  | 'ERR_WP_ENDPOINT_FORBIDDEN'
  | 'ERR_WP_NETWORK'
  | 'ERR_WP_TIMEOUT'
  | 'ERR_WP_ABORTED'
  | 'ERR_WP_CLOSED'
  | 'ERR_WP_PUSH_SERVICE'
  | 'ERR_WP_SUBSCRIPTION_GONE'

const brand: unique symbol = Symbol.for('@wp/WebPushError')

/** Options accepted by {@link WebPushError}'s constructor. */
export interface WebPushErrorOptions {
  /** The underlying error, kept for debugging. Never shown in `message`. */
  cause?: unknown
}

/**
 * The base class of every error a @wp package throws or rejects with.
 *
 * `message` says which field was wrong and what was expected; it never contains a key, a secret or
 * plaintext. `code` is stable across releases.
 */
export class WebPushError extends Error {
  /** A stable `ERR_WP_*` code naming the layer and the fault. */
  readonly code: WebPushErrorCode
  override name: string = 'WebPushError'

  constructor(code: WebPushErrorCode, message: string, options?: WebPushErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    Object.defineProperty(this, brand, { value: true })
  }

  /** True for a `WebPushError` from any copy of any @wp package (a `Symbol.for` brand, not `instanceof`). */
  static is(value: unknown): value is WebPushError {
    return typeof value === 'object' && value !== null && (value as { [brand]?: unknown })[brand] === true
  }
}
