/**
 * Refusals on the HTTP side, answered in autopush's JSON shape
 * `{ code, errno, error, message, more_info }`: what a sender reads, never what a caller of the
 * package catches.
 */
import type { ServerResponse } from 'node:http'

/** Where autopush documents its errnos; every error answer points there. */
const MORE_INFO = 'https://mozilla-services.github.io/autopush-rs/errors.html'

/** RFC 9110 §15: the reason phrase of each status the service answers with. */
const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  410: 'Gone',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
}

/**
 * A refused request: the status, autopush's errno, a message that names what was wrong (and never
 * quotes a credential), and headers to send with it (`Retry-After`). Thrown by the request handlers
 * and turned into an answer by {@link answerError}.
 */
export class HttpError extends Error {
  readonly status: number
  readonly errno: number
  readonly extraHeaders: Readonly<Record<string, string>>

  constructor(status: number, errno: number, message: string, extraHeaders: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.errno = errno
    this.extraHeaders = extraHeaders
  }
}

/** Answers `error`: an {@link HttpError} as it says, anything else as 500 with errno 999 and no detail. */
export function answerError(res: ServerResponse, error: unknown): void {
  const e = error instanceof HttpError ? error : new HttpError(500, 999, 'Unknown error')
  const body = JSON.stringify({
    code: e.status,
    errno: e.errno,
    error: REASONS[e.status] ?? 'Error',
    message: e.message,
    more_info: MORE_INFO,
  })
  res.writeHead(e.status, { 'content-type': 'application/json', ...e.extraHeaders })
  res.end(body)
}
