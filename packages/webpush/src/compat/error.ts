/**
 * The `WebPushError` of `web-push`: what `sendNotification` rejects with when the push service answers
 * outside 2xx. Its own class (not `@wp/ece`'s), because code written for web-push builds it and
 * reads its fields by these names.
 */
import type { IncomingHttpHeaders } from 'node:http'

/** A push service's non-2xx answer, with web-push's fields. */
export class WebPushError extends Error {
  /** The HTTP status of the push service's answer. */
  statusCode: number
  /** The answer's headers, as Node received them. */
  headers: IncomingHttpHeaders
  /** The answer's body, as text. */
  body: string
  /** The subscription endpoint the request went to. */
  endpoint: string

  /**
   * @example
   * new WebPushError('Received unexpected response code', 410, {}, '', endpoint)
   */
  constructor(message: string, statusCode: number, headers: IncomingHttpHeaders, body: string, endpoint: string) {
    super(message)
    this.name = 'WebPushError'
    this.statusCode = statusCode
    this.headers = headers
    this.body = body
    this.endpoint = endpoint
  }
}
