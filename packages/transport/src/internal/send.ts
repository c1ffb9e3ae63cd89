/** The send loop shared by every transport: attempts, timeouts, classification and retries. */
import { WebPushError } from '@wp/ece'
import { isRetryableAnswer, outcomeOf, parseReason, parseRetryAfter } from '../classify.js'
import { NetworkError, PushServiceError } from '../errors.js'
import type { CheckedRequest } from '../request.js'
import type { PushResponse, RetryOptions } from '../types.js'
import { abortedError, timeoutError } from './errors.js'

/** What one attempt returns: the raw answer. */
export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** The HTTP version the answer came over, when the transport knows it (`fetch` does not say). */
  protocol: 'http/1.1' | 'h2' | undefined
}

/**
 * How an attempt is stopped at its deadline or on the caller's abort. The hot path registers a
 * plain function (`onCancel`); an `AbortSignal` is made only for code that needs one (connecting,
 * fetch), since making one for every request costs more than the rest of the bookkeeping.
 */
export class AttemptControl {
  #controller: AbortController | undefined
  #onCancel: ((reason: unknown) => void) | undefined
  #reason: unknown
  cancelled = false

  /** A signal aborted when the attempt is cancelled. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.cancelled) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  /** Registers how to stop the attempt (replacing any earlier one); runs it now if already cancelled. */
  set onCancel(fn: ((reason: unknown) => void) | undefined) {
    this.#onCancel = fn
    if (this.cancelled && fn !== undefined) fn(this.#reason)
  }

  cancel(reason: unknown): void {
    if (this.cancelled) return
    this.cancelled = true
    this.#reason = reason
    this.#onCancel?.(reason)
    this.#controller?.abort(reason)
  }
}

/** One attempt: must stop (settle or reject) soon after `control` is cancelled. */
export type Attempt = (request: CheckedRequest, control: AttemptControl) => Promise<RawResponse>

export interface Policy {
  timeoutMs: number
  retries: number
  maxDelayMs: number
  baseDelayMs: number
}

export function toPolicy(timeoutMs: unknown, retry: RetryOptions | false | undefined): Policy {
  const timeout = timeoutMs ?? 30_000
  if (typeof timeout !== 'number' || !(timeout > 0))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'timeoutMs must be a positive number')
  if (retry === false) return { timeoutMs: timeout, retries: 0, maxDelayMs: 0, baseDelayMs: 0 }
  const retries = retry?.retries ?? 2
  const maxDelayMs = retry?.maxDelayMs ?? 60_000
  const baseDelayMs = retry?.baseDelayMs ?? 500
  if (!Number.isInteger(retries) || retries < 0 || retries > 20)
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'retry.retries must be an integer from 0 to 20')
  if (typeof maxDelayMs !== 'number' || maxDelayMs < 0 || typeof baseDelayMs !== 'number' || baseDelayMs < 0)
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'retry delays must be non-negative numbers')
  return { timeoutMs: timeout, retries, maxDelayMs, baseDelayMs }
}

/**
 * Builds the public response from a raw one, without its `reason`: that is read only from the answer
 * that is returned or thrown, not from each one that is retried.
 */
function toResponse(raw: RawResponse, host: string, attempts: number): PushResponse {
  const response: PushResponse = {
    status: raw.status,
    headers: raw.headers,
    body: raw.body,
    outcome: outcomeOf(raw.status, raw.headers, host),
    attempts,
  }
  if (raw.protocol !== undefined) response.protocol = raw.protocol
  const retryAfterMs = parseRetryAfter(raw.headers['retry-after'])
  if (retryAfterMs !== undefined) response.retryAfterMs = retryAfterMs
  const location = raw.headers.location
  if (location !== undefined) response.location = location
  return response
}

/** The error for a final answer other than 2xx, with the service's reason read from it. */
function serviceError(endpoint: string, response: PushResponse): PushServiceError {
  const reason = parseReason(response.status, response.headers, response.body)
  if (reason !== undefined) response.reason = reason
  return new PushServiceError(endpoint, response)
}

/**
 * What stops the retries when the transport closes: a send waiting to retry gives up at once. A
 * callback per waiting send rather than an `AbortSignal`, so any number can wait on it in any runtime.
 */
export interface RetryStop {
  /** True once the transport is closing: no further attempt is made. */
  readonly stopped: boolean
  /** Calls `wake` when the transport starts closing; returns what unregisters it. */
  onStop(wake: () => void): () => void
}

/**
 * Waits `ms`: rejects when the caller's `signal` aborts, resolves `false` at once when `stop` stops
 * (the transport is closing), `true` otherwise.
 */
function sleep(ms: number, signal: AbortSignal | undefined, stop: RetryStop | undefined): Promise<boolean> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal.reason))
    if (stop?.stopped) return resolve(false)
    const cleanup = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      unstop?.()
    }
    const onAbort = () => {
      cleanup()
      reject(abortedError(signal?.reason))
    }
    const onStop = () => {
      cleanup()
      resolve(false)
    }
    const timer = setTimeout(() => {
      cleanup()
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
    const unstop = stop?.onStop(onStop)
  })
}

/**
 * Runs one attempt under the whole-attempt timeout and the caller's signal. The attempt is aborted
 * through its signal, and this settles at the deadline even if the attempt does not.
 */
function attemptOnce(
  attempt: Attempt,
  request: CheckedRequest,
  policy: Policy,
  signal: AbortSignal | undefined,
): Promise<RawResponse> {
  if (signal?.aborted) return Promise.reject(abortedError(signal.reason))
  const control = new AttemptControl()
  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false
    const settle = (error: unknown, value?: RawResponse) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (error === undefined) resolve(value as RawResponse)
      else reject(error)
    }
    const timer = setTimeout(() => {
      const error = timeoutError(request.endpoint, policy.timeoutMs)
      settle(error)
      control.cancel(error)
    }, policy.timeoutMs)
    const onAbort = () => {
      const error = abortedError(signal?.reason)
      settle(error)
      control.cancel(error)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    attempt(request, control).then(
      (value) => settle(undefined, value),
      (error) => settle(error ?? new Error('attempt failed')),
    )
  })
}

/**
 * Sends with retries: only on the answers of the retry table (`isRetryableAnswer`: 429, WNS's 406,
 * 500, 502, 503, 504) and on a `NetworkError` that says nothing was written. `Retry-After` is
 * honoured: a wait longer than `maxDelayMs` is not taken, and the error carries `retryAfterMs` for
 * the caller to schedule. Otherwise full-jitter exponential backoff. When `stop` stops (the transport
 * is closing), no further attempt is made: a send waiting to retry rejects with its last answer or
 * failure.
 */
export async function sendWithRetries(
  attempt: Attempt,
  request: CheckedRequest,
  policy: Policy,
  signal: AbortSignal | undefined,
  stop?: RetryStop,
): Promise<PushResponse> {
  const host = request.url.hostname
  for (let n = 0; ; n++) {
    let response: PushResponse | undefined
    let failure: unknown
    try {
      response = toResponse(await attemptOnce(attempt, request, policy, signal), host, n + 1)
    } catch (error) {
      failure = error
    }
    if (response !== undefined && response.outcome === 'created') return response
    const canRetry =
      n < policy.retries &&
      (response !== undefined
        ? isRetryableAnswer(response.status, response.outcome)
        : failure instanceof NetworkError && failure.notWritten)
    let delay = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** n)
    if (response?.retryAfterMs !== undefined) delay = response.retryAfterMs
    if (!canRetry || delay > policy.maxDelayMs || !(await sleep(delay, signal, stop))) {
      if (response !== undefined) throw serviceError(request.endpoint, response)
      throw failure
    }
  }
}
