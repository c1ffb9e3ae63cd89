/** Errors of @wp/transport, all `WebPushError`s. */
import { WebPushError, type WebPushErrorCode } from '@wp/ece'
import type { PushOutcome, PushResponse } from './types.js'

/**
 * A push service answered with a status other than 2xx. Carries the whole response, its outcome and
 * the service's reason. `code` is `ERR_WP_SUBSCRIPTION_GONE` for 404/410 (delete the subscription)
 * and `ERR_WP_PUSH_SERVICE` otherwise.
 */
export class PushServiceError extends WebPushError {
  override name: string = 'PushServiceError'
  readonly response: PushResponse
  readonly outcome: PushOutcome
  readonly statusCode: number
  readonly retryAfterMs: number | undefined
  readonly endpoint: string
  readonly reason: string | undefined
  /** Whether sending the same message later may succeed (rate limits and server errors). */
  readonly isRetryable: boolean

  constructor(endpoint: string, response: PushResponse) {
    const origin = originOf(endpoint)
    const code: WebPushErrorCode = response.outcome === 'gone' ? 'ERR_WP_SUBSCRIPTION_GONE' : 'ERR_WP_PUSH_SERVICE'
    const reason = response.reason === undefined ? '' : `: ${response.reason}`
    super(code, `push service ${origin} answered ${response.status} (${response.outcome})${reason}`)
    this.response = response
    this.outcome = response.outcome
    this.statusCode = response.status
    this.retryAfterMs = response.retryAfterMs
    this.endpoint = endpoint
    this.reason = response.reason
    this.isRetryable = response.outcome === 'rate-limited' || response.outcome === 'server-error'
  }
}

/** The origin of an endpoint, for messages: the path identifies a subscription and stays out of them. */
export function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin
  } catch {
    return 'endpoint'
  }
}

/** Marks an error that happened before any byte of the request was written (safe to retry). */
export const NOT_WRITTEN: unique symbol = Symbol('not written')

/** A connection failure: `ERR_WP_NETWORK`, with `notWritten` when no byte of the request left. */
export function networkError(endpoint: string, cause: unknown, notWritten: boolean): WebPushError {
  const detail = (cause as { code?: string })?.code ?? (cause as Error)?.message ?? 'error'
  const error = new WebPushError('ERR_WP_NETWORK', `cannot reach ${originOf(endpoint)} (${detail})`, { cause })
  if (notWritten) Object.defineProperty(error, NOT_WRITTEN, { value: true })
  return error
}

export function timeoutError(endpoint: string, ms: number): WebPushError {
  return new WebPushError('ERR_WP_TIMEOUT', `no complete answer from ${originOf(endpoint)} within ${ms} ms`)
}

export function abortedError(cause?: unknown): WebPushError {
  return new WebPushError('ERR_WP_ABORTED', 'the request was aborted', cause === undefined ? undefined : { cause })
}

export function forbiddenError(endpoint: string, why: string): WebPushError {
  return new WebPushError(
    'ERR_WP_ENDPOINT_FORBIDDEN',
    `refusing to send to ${originOf(endpoint)}: ${why} (set allowPrivateNetwork to allow it)`,
  )
}
