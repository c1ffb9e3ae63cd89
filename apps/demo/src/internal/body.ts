/** Reading a JSON request body with a size limit enforced while it is read. */
import { HttpError } from './http-error.js'

/** The largest request body the API reads: 64 KiB. */
export const MAX_BODY_BYTES: number = 64 * 1024

/** `application/json`, with or without parameters (RFC 9110 §8.3.1: the media type is case-insensitive). */
function isJson(contentType: string | null): boolean {
  if (contentType === null) return false
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase()
  return type === 'application/json'
}

/**
 * Reads the request's body as JSON. A `Content-Length` over the limit is refused before anything is
 * read; otherwise the bytes are counted as they arrive and the read stops at the first byte past
 * the limit, so no more than the limit is ever held.
 * @throws HttpError 400 for another content type, text that is not UTF-8 JSON, or a missing body;
 *   413 for a body over `limit`
 */
export async function readJson(request: Request, limit: number = MAX_BODY_BYTES): Promise<unknown> {
  if (!isJson(request.headers.get('content-type')))
    throw new HttpError(
      400,
      'ERR_WP_INVALID_ARGUMENT',
      'the request body must be JSON (Content-Type: application/json)',
    )
  const tooLarge = (): HttpError =>
    new HttpError(413, 'ERR_WP_BODY_TOO_LARGE', `the request body must be at most ${limit} bytes`)
  const declared = request.headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw tooLarge()
  const chunks: Uint8Array[] = []
  let length = 0
  if (request.body !== null) {
    const reader = request.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      length += value.byteLength
      if (length > limit) {
        await reader.cancel().catch(() => {})
        throw tooLarge()
      }
      chunks.push(value)
    }
  }
  if (length === 0) throw new HttpError(400, 'ERR_WP_INVALID_ARGUMENT', 'the request body must be JSON, got none')
  const bytes = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new HttpError(400, 'ERR_WP_INVALID_ARGUMENT', 'the request body must be UTF-8 text')
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError(400, 'ERR_WP_INVALID_ARGUMENT', 'the request body is not valid JSON')
  }
}
