/** The coded failures the transports raise besides the public error classes, and how they name an endpoint. */
import { WebPushError } from '@wp/ece'

/** The origin of an endpoint, for messages: the path identifies a subscription and stays out of them. */
export function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin
  } catch {
    return 'endpoint'
  }
}

/** An attempt got no complete answer within `timeoutMs`: `ERR_WP_TIMEOUT`. */
export function timeoutError(endpoint: string, ms: number): WebPushError<'ERR_WP_TIMEOUT'> {
  return new WebPushError('ERR_WP_TIMEOUT', `no complete answer from ${originOf(endpoint)} within ${ms} ms`)
}

/** The caller's signal aborted the send: `ERR_WP_ABORTED`, with the signal's reason as the cause. */
export function abortedError(cause?: unknown): WebPushError<'ERR_WP_ABORTED'> {
  return new WebPushError('ERR_WP_ABORTED', 'the request was aborted', cause === undefined ? undefined : { cause })
}

/** The private-network guard refused the endpoint: `ERR_WP_ENDPOINT_FORBIDDEN`. */
export function forbiddenError(endpoint: string, why: string): WebPushError<'ERR_WP_ENDPOINT_FORBIDDEN'> {
  return new WebPushError(
    'ERR_WP_ENDPOINT_FORBIDDEN',
    `refusing to send to ${originOf(endpoint)}: ${why} (set allowPrivateNetwork to allow it)`,
  )
}

/** A send after `close()`, or work that outlived its origin's release: `ERR_WP_CLOSED`. */
export function closedError(): WebPushError<'ERR_WP_CLOSED'> {
  return new WebPushError('ERR_WP_CLOSED', 'the transport is closed')
}
