/**
 * The one error type of every @wp package. Defined here, at the lowest layer, and re-exported by the
 * packages above. It carries a `Symbol.for` brand, the same in every copy of this module, so both
 * `WebPushError.is(err)` and `err instanceof WebPushError` recognise an error made by another copy
 * of @wp/ece (two versions installed side by side, or a bundle beside node_modules).
 * `WebPushError.is` works with every copy that has ever carried the brand; `instanceof` across copies
 * needs the `Symbol.hasInstance` below in the copy on the right of it.
 */

/**
 * Every code a @wp package raises. Stable: match on these, never on message text. The packages
 * above narrow it (`@wp/transport`'s `AnyWebPushError`), so a `switch` on `err.code` can tell them apart:
 * @example
 * ```ts
 * try {
 *   await decryptWebPush(body, keys)
 * } catch (err) {
 *   if (!WebPushError.is(err)) throw err
 *   switch (err.code) {
 *     case 'ERR_WP_ECE_DECRYPT': // wrong keys, or a damaged body
 *       break
 *     default:
 *       throw err
 *   }
 * }
 * ```
 */
export type WebPushErrorCode =
  // caller input
  | 'ERR_WP_INVALID_ARGUMENT'
  | 'ERR_WP_BASE64URL'
  | 'ERR_WP_KEY_LENGTH'
  | 'ERR_WP_INVALID_POINT'
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
  // @wp/queue
  | 'ERR_WP_BATCH_NOT_FOUND'

/** The brand of every `WebPushError`: `Symbol.for`, so every copy of this module has the same one. */
const BRAND: unique symbol = Symbol.for('@wp/WebPushError')

/** Options accepted by {@link WebPushError}'s constructor. */
export interface WebPushErrorOptions {
  /** The underlying error, kept for debugging. Never shown in `message`. */
  cause?: unknown
}

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
}

/** `value instanceof cls`: by the brand `cls` declares itself, else by the prototype chain. */
function isInstance(cls: typeof WebPushError, value: unknown): boolean {
  if (Object.hasOwn(cls, 'brand')) return hasBrand(value, cls.brand)
  return Function.prototype[Symbol.hasInstance].call(cls, value)
}

/**
 * The base class of every error a @wp package throws or rejects with.
 *
 * `message` says which field was wrong and what was expected; it never contains a key, a secret or
 * plaintext. `code` is stable across releases. A subclass may narrow the code
 * (`class PushServiceError extends WebPushError<'ERR_WP_PUSH_SERVICE' | 'ERR_WP_SUBSCRIPTION_GONE'>`),
 * and, to be recognised across copies too, declare its own brand:
 * `static override readonly brand: symbol = Symbol.for('@wp/transport/PushServiceError')`.
 * A subclass without one is matched by `instanceof` through its prototype chain, as usual.
 * @example
 * ```ts
 * try {
 *   await encryptWebPush(payload, subscription.keys)
 * } catch (err) {
 *   if (err instanceof WebPushError && err.code === 'ERR_WP_INVALID_POINT') forget(subscription)
 *   else throw err
 * }
 * ```
 */
export class WebPushError<C extends WebPushErrorCode = WebPushErrorCode> extends Error {
  /**
   * The `Symbol.for` brand `instanceof` checks for this class. Every instance carries the brand of
   * its class and of each class above it that declares one.
   */
  static readonly brand: symbol = BRAND

  /** A stable `ERR_WP_*` code naming the layer and the fault. */
  readonly code: C
  override name: string = 'WebPushError'

  constructor(code: C, message: string, options?: WebPushErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    // Non-enumerable: the brands stay out of JSON and of util.inspect.
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c))
      if (Object.hasOwn(c, 'brand')) Object.defineProperty(this, (c as typeof WebPushError).brand, { value: true })
  }

  /**
   * True for a `WebPushError` (of any subclass) from any copy of any @wp package: checks the brand,
   * not the prototype chain. Does not use `this`, so it can be passed around (`errors.filter(WebPushError.is)`).
   * @example
   * ```ts
   * if (WebPushError.is(err) && err.code === 'ERR_WP_ECE_DECRYPT') console.warn('undecryptable message')
   * ```
   */
  static is(value: unknown): value is WebPushError {
    return hasBrand(value, BRAND)
  }

  /**
   * `value instanceof WebPushError`, across copies: true when `value` carries the brand of the class
   * on the right (its own `brand`, if it declares one: the base checks the base brand, a branded
   * subclass its own). For a subclass that declares no brand, the ordinary prototype-chain check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of instanceof, a subclass included
    return isInstance(this, value)
  }
}
