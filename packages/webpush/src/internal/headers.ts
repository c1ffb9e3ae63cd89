/**
 * The headers of one push request (RFC 8030 §5), built in one place for `webpush`, `WebPusher` and
 * the client: defaults, the caller's extra headers, and the headers the encryption and VAPID need.
 */
import { describeValue, WebPushError } from '@wp/ece/utils'

/** RFC 8030 §5.3: the four urgencies. */
export const URGENCIES = ['very-low', 'low', 'normal', 'high'] as const
/** `very-low | low | normal | high` (RFC 8030 §5.3). */
export type Urgency = (typeof URGENCIES)[number]

/** The default TTL: four weeks, as web-push and pywebpush send. */
export const DEFAULT_TTL = 2419200
/** RFC 8030 §5.2 allows any non-negative integer; we keep it to what every service parses. */
const MAX_TTL = 2 ** 31 - 1
/** RFC 8030 §5.4: a topic is at most 32 characters of the URL- and filename-safe base64 alphabet. */
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/

function invalid(message: string): WebPushError {
  return new WebPushError('ERR_WP_INVALID_ARGUMENT', message)
}

/** Checks `ttl`: an integer from 0 to 2^31 - 1 (RFC 8030 §5.2). */
export function toTtl(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TTL)
    throw invalid(
      `ttl must be an integer from 0 to ${MAX_TTL}, got ${typeof value === 'number' ? value : describeValue(value)}`,
    )
  return value
}

/** Checks `urgency` (RFC 8030 §5.3). */
export function toUrgency(value: unknown): Urgency {
  if (typeof value !== 'string' || !(URGENCIES as readonly string[]).includes(value))
    throw invalid(`urgency must be one of ${URGENCIES.join(', ')}, got ${describeValue(value)}`)
  return value as Urgency
}

/** Checks `topic` (RFC 8030 §5.4): 1 to 32 base64url characters. */
export function toTopic(value: unknown): string {
  if (typeof value !== 'string' || !TOPIC.test(value))
    throw invalid('topic must be 1 to 32 base64url characters (RFC 8030 §5.4)')
  return value
}

/** Header names must be RFC 9110 §5.6.2 tokens; values must not carry CR, LF or NUL. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const BAD_VALUE = /[\r\n\0]/

/**
 * A case-insensitive header set that keeps the caller's spelling of each name. Built once per
 * request; lookups are by lowercase name.
 */
export class HeaderSet {
  readonly #names = new Map<string, string>()
  readonly #values = new Map<string, string>()

  /**
   * Reads the caller's `headers`: a plain object of string values, no two names differing only by case.
   * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` naming the header
   */
  static fromCaller(headers: unknown): HeaderSet {
    const set = new HeaderSet()
    if (headers === undefined) return set
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers))
      throw invalid(`headers must be an object of strings, got ${describeValue(headers)}`)
    for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
      if (!TOKEN.test(name)) throw invalid(`headers: ${JSON.stringify(name)} is not a valid header name`)
      if (typeof value !== 'string' && typeof value !== 'number')
        throw invalid(`headers.${name} must be a string, got ${describeValue(value)}`)
      const text = String(value)
      if (BAD_VALUE.test(text)) throw invalid(`headers.${name} must not contain CR, LF or NUL`)
      const key = name.toLowerCase()
      if (set.#values.has(key))
        throw invalid(`headers: ${set.#names.get(key)} and ${name} are the same header; give it once`)
      set.#names.set(key, name)
      set.#values.set(key, text)
    }
    return set
  }

  /** The value of `name` (any case), if set. */
  get(name: string): string | undefined {
    return this.#values.get(name.toLowerCase())
  }

  /** Sets `name` unless it is set already (a default never replaces the caller's header). */
  setDefault(name: string, value: string): void {
    const key = name.toLowerCase()
    if (this.#values.has(key)) return
    this.#names.set(key, name)
    this.#values.set(key, value)
  }

  /**
   * Sets a header the request needs (from an option, the encryption or VAPID). If the caller set it
   * to another value, that is a conflict: an error, never a silent choice.
   * @param what where the value comes from, for the message (`'the ttl option'`)
   */
  require(name: string, value: string, what: string, caseInsensitive = false): void {
    const key = name.toLowerCase()
    const had = this.#values.get(key)
    if (had !== undefined) {
      const same = caseInsensitive ? had.toLowerCase() === value.toLowerCase() : had === value
      if (!same) throw invalid(`headers.${this.#names.get(key)} conflicts with ${what}; set one or the other, not both`)
      return
    }
    this.#names.set(key, name)
    this.#values.set(key, value)
  }

  /** Refuses a header the caller must not set here (e.g. `Authorization` when VAPID signs the request). */
  forbid(name: string, why: string): void {
    const key = name.toLowerCase()
    if (this.#values.has(key)) throw invalid(`headers.${this.#names.get(key)} cannot be set: ${why}`)
  }

  /** A plain object, the caller's spelling of each name kept. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [key, name] of this.#names) out[name] = this.#values.get(key) as string
    return out
  }
}
