/** A result as Redis keeps it (compact JSON, no secret) and as `results()` gives it back. */
import { WebPushError, type WebPushErrorCode } from '@wp/ece'
import { type PushResponse, PushServiceError } from '@wp/transport'
import type { SendOutcome, SendResult } from '@wp/webpush'

/** The stored form: short names, since a batch keeps one per subscription. */
interface Stored {
  /** The subscription as enqueued. */
  s: unknown
  o: SendOutcome
  /** The push service's status, when it answered. */
  st?: number
  /** Its `Location` (2xx), `reason` and `Retry-After` in ms. */
  l?: string
  r?: string
  ra?: number
  /** The error's code and message, when it failed. */
  c?: string
  m?: string
}

/** What a worker records for one item. */
export interface ItemResult {
  outcome: SendOutcome
  ok: boolean
  response?: PushResponse
  error?: unknown
}

/** The stored JSON of `result` for `subscription`. */
export function encodeResult(subscription: unknown, result: ItemResult): string {
  const stored: Stored = { s: subscription, o: result.outcome }
  const response = result.response
  if (response !== undefined) {
    stored.st = response.status
    if (response.location !== undefined) stored.l = response.location
    if (response.reason !== undefined) stored.r = response.reason
    if (response.retryAfterMs !== undefined) stored.ra = response.retryAfterMs
  }
  if (!result.ok) {
    const error = result.error
    stored.c = WebPushError.is(error) ? error.code : 'ERR_WP_NETWORK'
    stored.m = error instanceof Error ? error.message : String(error)
  }
  return JSON.stringify(stored)
}

/**
 * A stored result as a `SendResult`. The response keeps the status, outcome, `location`, `reason`
 * and `retryAfterMs`; its headers and body are not kept (`{}` and `''`). A refusal comes back as a
 * `PushServiceError`, any other failure as a `WebPushError` with the code it had.
 */
export function decodeResult(index: number, json: string): SendResult {
  const stored = JSON.parse(json) as Stored
  const result: SendResult = { index, subscription: stored.s, ok: stored.c === undefined, outcome: stored.o }
  let response: PushResponse | undefined
  if (stored.st !== undefined) {
    response = { status: stored.st, headers: {}, body: '', outcome: stored.o as PushResponse['outcome'] }
    if (stored.l !== undefined) response.location = stored.l
    if (stored.r !== undefined) response.reason = stored.r
    if (stored.ra !== undefined) response.retryAfterMs = stored.ra
    result.response = response
  }
  if (stored.c !== undefined) {
    const endpoint = (stored.s as { endpoint?: unknown } | null)?.endpoint
    result.error =
      response !== undefined && !result.ok && typeof endpoint === 'string'
        ? new PushServiceError(endpoint, response)
        : new WebPushError(stored.c as WebPushErrorCode, stored.m ?? '')
  }
  return result
}
