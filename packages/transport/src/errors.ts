/**
 * The error classes of @wp/transport, both `WebPushError`s, and the union of every error a send can
 * end with. Each class carries its own `Symbol.for` brand, so `instanceof` recognises an error made
 * by another copy of this package (two versions installed side by side, a bundle beside
 * node_modules), as `WebPushError.is` does for the base.
 */
import { WebPushError, type WebPushErrorCode } from '@wp/ece'
import { isRetryableAnswer } from './classify.js'
import { originOf } from './internal/errors.js'
import type { PushOutcome, PushResponse } from './types.js'

/**
 * A push service answered with a status other than 2xx. Carries the whole response, its outcome and
 * the service's reason. `code` is `ERR_WP_SUBSCRIPTION_GONE` for 404/410 (delete the subscription)
 * and `ERR_WP_PUSH_SERVICE` otherwise. The message names the origin, never the endpoint's path.
 * @example
 * ```ts
 * try {
 *   await transport.send({ endpoint, headers, body })
 * } catch (error) {
 *   if (error instanceof PushServiceError && error.outcome === 'gone') await forget(subscription)
 *   else if (error instanceof PushServiceError && error.isRetryable) await later(error.retryAfterMs)
 *   else throw error
 * }
 * ```
 */
export class PushServiceError extends WebPushError<'ERR_WP_PUSH_SERVICE' | 'ERR_WP_SUBSCRIPTION_GONE'> {
  /** The brand `instanceof PushServiceError` checks, the same in every copy of this package. */
  static override readonly brand: symbol = Symbol.for('@wp/transport/PushServiceError')
  override name: string = 'PushServiceError'
  readonly response: PushResponse
  readonly outcome: PushOutcome
  readonly statusCode: number
  readonly retryAfterMs: number | undefined
  readonly endpoint: string
  readonly reason: string | undefined
  /**
   * Whether sending the same message later may succeed: the service said it did not take it (429,
   * WNS's 406, 500, 502, 503, 504). The transport's own retries follow the same table.
   */
  readonly isRetryable: boolean

  /** `endpoint` is the subscription's; `response` the answer, with its `outcome` and `reason`. */
  constructor(endpoint: string, response: PushResponse) {
    const reason = response.reason === undefined ? '' : `: ${response.reason}`
    super(
      response.outcome === 'gone' ? 'ERR_WP_SUBSCRIPTION_GONE' : 'ERR_WP_PUSH_SERVICE',
      `push service ${originOf(endpoint)} answered ${response.status} (${response.outcome})${reason}`,
    )
    this.response = response
    this.outcome = response.outcome
    this.statusCode = response.status
    this.retryAfterMs = response.retryAfterMs
    this.endpoint = endpoint
    this.reason = response.reason
    this.isRetryable = isRetryableAnswer(response.status, response.outcome)
  }
}

/** Options of {@link NetworkError}'s constructor. */
export interface NetworkErrorOptions {
  /** The underlying error (a socket's, a resolver's, a stream's). */
  cause?: unknown
  /** True when no byte of the request left (default false: it may have been processed). */
  notWritten?: boolean
}

/**
 * A push service could not be reached, or the connection failed before a complete answer: DNS, TCP,
 * TLS, the proxy's tunnel, a reset, an HTTP/2 stream ended without an answer. `code` is
 * `ERR_WP_NETWORK`; the message names the origin and the underlying error's code.
 *
 * `notWritten` is true when the request certainly was not processed: the connection was never made,
 * or an HTTP/2 stream was refused (RFC 9113 §8.7) or was above a GOAWAY's last-stream-id (§6.8). The
 * transport retries those itself; when false, the message may have been delivered, and sending it
 * again may show it twice.
 * @example
 * ```ts
 * try {
 *   await transport.send({ endpoint, headers, body })
 * } catch (error) {
 *   if (error instanceof NetworkError && error.notWritten) await queueAgain(message) // never sent
 *   else throw error
 * }
 * ```
 */
export class NetworkError extends WebPushError<'ERR_WP_NETWORK'> {
  /** The brand `instanceof NetworkError` checks, the same in every copy of this package. */
  static override readonly brand: symbol = Symbol.for('@wp/transport/NetworkError')
  override name: string = 'NetworkError'
  /** The endpoint of the request that failed. */
  readonly endpoint: string
  /** True when no byte of the request left, so sending it again cannot deliver it twice. */
  readonly notWritten: boolean

  constructor(endpoint: string, options: NetworkErrorOptions = {}) {
    const cause = options.cause as { code?: unknown; message?: unknown } | null | undefined
    const detail = String(cause?.code ?? cause?.message ?? 'error')
    super('ERR_WP_NETWORK', `cannot reach ${originOf(endpoint)} (${detail})`, { cause: options.cause })
    this.endpoint = endpoint
    this.notWritten = options.notWritten === true
  }
}

/** The codes raised as a plain `WebPushError<C>`, one member per code so that a `switch` narrows each. */
type PlainError<C extends WebPushErrorCode> = C extends WebPushErrorCode ? WebPushError<C> : never

/**
 * Every error a @wp package raises, as a union discriminated by `code`: `ERR_WP_PUSH_SERVICE` and
 * `ERR_WP_SUBSCRIPTION_GONE` are a {@link PushServiceError}, `ERR_WP_NETWORK` a {@link NetworkError},
 * and every other code a `WebPushError` of that code. `WebPushError.is(err)` tells a @wp error from
 * any other; `switch (err.code)` on this union then narrows `err` to its class.
 * @example
 * ```ts
 * try {
 *   await transport.send({ endpoint, headers, body })
 * } catch (caught) {
 *   if (!WebPushError.is(caught)) throw caught
 *   const err = caught as AnyWebPushError
 *   switch (err.code) {
 *     case 'ERR_WP_SUBSCRIPTION_GONE': // a PushServiceError
 *       await forget(err.endpoint)
 *       break
 *     case 'ERR_WP_PUSH_SERVICE': // a PushServiceError
 *       console.warn(err.response.status, err.reason)
 *       break
 *     case 'ERR_WP_NETWORK': // a NetworkError
 *       if (err.notWritten) await queueAgain(message)
 *       break
 *     default:
 *       throw err
 *   }
 * }
 * ```
 */
export type AnyWebPushError =
  | PushServiceError
  | NetworkError
  | PlainError<Exclude<WebPushErrorCode, PushServiceError['code'] | NetworkError['code']>>
