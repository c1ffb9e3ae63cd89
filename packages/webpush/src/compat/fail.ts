/** The errors of the compat layer's input checks: `WebPushError`s of `@wp/ece` carrying web-push's messages. */
import { WebPushError, type WebPushErrorCode } from '@wp/ece'

/** An input error with web-push's message, so code matching on `err.message` keeps working. */
export function fail(message: string, code: WebPushErrorCode = 'ERR_WP_INVALID_ARGUMENT'): WebPushError {
  return new WebPushError(code, message)
}

/** web-push's check of a URL-safe base64 string without padding. */
export function isBase64url(value: string): boolean {
  return /^[A-Za-z0-9\-_]+$/.test(value)
}
