/** The API's error answers: `{ error: { code, message } }` with a 4xx/5xx status. */

/** The codes the API answers with: @wp codes where one fits, and the HTTP faults of this API. */
export type ApiErrorCode =
  | 'ERR_WP_INVALID_ARGUMENT'
  | 'ERR_WP_BASE64URL'
  | 'ERR_WP_KEY_LENGTH'
  | 'ERR_WP_INVALID_POINT'
  | 'ERR_WP_PAYLOAD_TOO_LARGE'
  | 'ERR_WP_ENDPOINT_FORBIDDEN'
  | 'ERR_WP_BODY_TOO_LARGE'
  | 'ERR_WP_UNAUTHORIZED'
  | 'ERR_WP_NOT_FOUND'
  | 'ERR_WP_TOO_MANY_STREAMS'
  | 'ERR_WP_TOO_MANY_SUBSCRIPTIONS'
  | 'ERR_WP_SHUTTING_DOWN'
  | 'ERR_WP_INTERNAL'

/** A refusal the API answers with; never carries a secret in `message`. */
export class HttpError extends Error {
  override name = 'HttpError'
  /** The HTTP status. */
  readonly status: 400 | 401 | 404 | 413 | 503
  /** A stable code. */
  readonly code: ApiErrorCode

  constructor(status: 400 | 401 | 404 | 413 | 503, code: ApiErrorCode, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** The JSON body of an error answer. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } }
}
