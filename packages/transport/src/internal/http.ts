/** What the transports share about HTTP messages: header lookups, response headers, capped bodies. */

/** Response bodies past this are cut: push services answer in a few hundred bytes. */
export const MAX_RESPONSE_BODY: number = 64 * 1024

/** Whether `headers` has a field named `lower` (given in lowercase), in any case (RFC 9110 §5.1). */
export function hasHeader(headers: Record<string, string>, lower: string): boolean {
  for (const name in headers) if (name.length === lower.length && name.toLowerCase() === lower) return true
  return false
}

/**
 * Response headers as one record: names in lowercase, a repeated field's values joined with `, `
 * (RFC 9110 §5.3), HTTP/2 pseudo-headers (`:status`) left out.
 */
export function flattenHeaders(
  headers: Readonly<Record<string, string | string[] | number | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* : */) continue
    const value = headers[name]
    if (value === undefined) continue
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return out
}

const utf8 = new TextDecoder()

/**
 * A response body, read up to `MAX_RESPONSE_BODY` bytes: from the first chunk that would pass the
 * cap on, everything is dropped.
 */
export class BodyCollector {
  readonly #chunks: Uint8Array[] = []
  #size = 0

  /** Takes a chunk; false once the cap is passed (the rest of the body need not be read). */
  add(chunk: Uint8Array): boolean {
    this.#size += chunk.length
    if (this.#size > MAX_RESPONSE_BODY) return false
    this.#chunks.push(chunk)
    return true
  }

  /** The body as UTF-8 text, malformed sequences as U+FFFD. */
  text(): string {
    const chunks = this.#chunks
    if (chunks.length === 0) return ''
    if (chunks.length === 1) return utf8.decode(chunks[0])
    const whole = new Uint8Array(Math.min(this.#size, MAX_RESPONSE_BODY))
    let at = 0
    for (const chunk of chunks) {
      whole.set(chunk, at)
      at += chunk.length
    }
    return utf8.decode(whole.subarray(0, at))
  }
}
