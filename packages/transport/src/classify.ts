/** Turning a push service's answer into an outcome, a reason and a wait. */
import type { PushOutcome } from './types.js'

/** The outcome of an HTTP status (RFC 8030 §5-§8, and what FCM, autopush, Apple and WNS answer). */
export function outcomeOf(status: number, headers: Record<string, string> = {}, host = ''): PushOutcome {
  if (status >= 200 && status < 300) return 'created'
  if (status === 404 || status === 410) return 'gone'
  if (status === 413) return 'too-large'
  if (status === 429) return 'rate-limited'
  // WNS answers 406 Not Acceptable when the channel is throttled.
  if (status === 406 && isWns(headers, host)) return 'rate-limited'
  if (status === 401 || status === 403) return 'unauthorized'
  if (status >= 500) return 'server-error'
  return 'bad-request'
}

/** A WNS answer: it carries `X-WNS-*` headers, or comes from `*.notify.windows.com`. */
function isWns(headers: Record<string, string>, host: string): boolean {
  if (host === 'notify.windows.com' || host.endsWith('.notify.windows.com')) return true
  for (const name in headers) if (name.startsWith('x-wns-')) return true
  return false
}

/**
 * The retry table: the statuses where the service says it did not take the message, so that the
 * same message may be taken later: 429 Too Many Requests (RFC 6585 §4), 500 Internal Server Error,
 * 502 Bad Gateway, 503 Service Unavailable and 504 Gateway Timeout (RFC 9110 §15.6). Not 501 Not
 * Implemented or 505 HTTP Version Not Supported: the service cannot handle such a request at all,
 * and the same request fails the same way. Besides these, every `rate-limited` answer (WNS's 406).
 */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504])

/**
 * Whether an answer with this `status` and `outcome` may succeed when the same message is sent
 * again: the one table read by `PushServiceError.isRetryable` and by the transports' retries.
 * Internal: the package exports `isRetryableStatus`.
 */
export function isRetryableAnswer(status: number, outcome: PushOutcome): boolean {
  return outcome === 'rate-limited' || RETRYABLE_STATUSES.has(status)
}

/**
 * Whether an answer with `status` means the service did not take the message, so that a retry may
 * succeed: 429, 500, 502, 503 and 504, and, given the answer's headers or host, WNS's 406 (a rate
 * limit, as `outcomeOf` says). The transport retries exactly these, and `PushServiceError.isRetryable`
 * is this for its answer.
 * @example
 * ```ts
 * isRetryableStatus(503) // true
 * isRetryableStatus(501) // false
 * isRetryableStatus(406, { 'x-wns-status': 'channelthrottled' }) // true
 * ```
 */
export function isRetryableStatus(status: number, headers: Record<string, string> = {}, host = ''): boolean {
  return isRetryableAnswer(status, outcomeOf(status, headers, host))
}

/** RFC 9110 §10.2.3 delay-seconds. Anchored, one quantifier: linear in the value. */
const DELAY_SECONDS = /^\d+$/
/** RFC 9110 §5.6.7: every HTTP-date form starts with a day name. */
const DAY_NAME = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/i
/** The longest HTTP-date form (rfc850-date with "Wednesday") is 33 characters. */
const MAX_HTTP_DATE = 64

/**
 * `Retry-After` (RFC 9110 §10.2.3) as milliseconds from now: delay-seconds or an HTTP-date.
 * Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (DELAY_SECONDS.test(text)) return Math.min(Number(text), 365 * 24 * 3600) * 1000
  // Date.parse alone would read "-1" or "1.5" as dates in 2001, turning a malformed value into
  // "retry now"; and no date is longer than MAX_HTTP_DATE.
  if (text.length > MAX_HTTP_DATE || !DAY_NAME.test(text)) return undefined
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/**
 * How much of a body, and of each WNS header, a reason is read from: the first 4096 UTF-16 code
 * units. Push services explain a failure in a few hundred bytes; a longer answer is cut here, so a
 * hostile one costs the same as a short one. A JSON body is parsed only when it fits whole.
 */
export const REASON_INPUT_LIMIT = 4096
/** Longest reason kept, in UTF-16 code units, before an ellipsis marks the cut. */
const MAX_REASON = 300

/** The first `REASON_INPUT_LIMIT` code units of `text`, without splitting a surrogate pair. */
function head(text: string): string {
  if (text.length <= REASON_INPUT_LIMIT) return text
  const end = isHigh(text.charCodeAt(REASON_INPUT_LIMIT - 1)) ? REASON_INPUT_LIMIT - 1 : REASON_INPUT_LIMIT
  return text.slice(0, end)
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff

/** What the cleaner does with one UTF-16 code unit outside escape sequences and surrogates. */
const KEEP = 0
const SPACE = 1
const DROP = 2

/**
 * Whitespace becomes one space (a reason is one line: CR, LF, NEL and the Unicode line and
 * paragraph separators included); C0 and C1 controls, DEL, bidi marks, embeddings, overrides and
 * isolates (Unicode UAX #9), zero-width and other invisible format characters are dropped.
 */
function classOf(c: number): number {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) ? SPACE : DROP
  if (c < 0x7f) return KEEP
  if (c <= 0x9f) return c === 0x85 ? SPACE : DROP
  if (c === 0xa0) return SPACE
  if (c < 0x61c) return c === 0xad ? DROP : KEEP
  if (c === 0x61c || c === 0x180e) return DROP
  if (c === 0x1680) return SPACE
  if (c < 0x2000) return KEEP
  if (c <= 0x200a || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f) return SPACE
  if (c === 0x200b || c === 0x200e || c === 0x200f || (c >= 0x202a && c <= 0x202e)) return DROP
  if (c >= 0x2060 && c <= 0x206f) return DROP
  if (c === 0x3000) return SPACE
  if (c === 0xfeff || (c >= 0xfff9 && c <= 0xfffb)) return DROP
  return KEEP
}

/**
 * Skips an ECMA-48 control sequence whose introducer (ESC [ or C1 CSI) ends at `i`: parameter bytes
 * 0x30-0x3F, intermediate bytes 0x20-0x2F, then a final byte 0x40-0x7E. Returns the last index used.
 */
function skipCsi(text: string, i: number): number {
  let j = i + 1
  while (j < text.length && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x3f) j++
  while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++
  const final = text.charCodeAt(j)
  return final >= 0x40 && final <= 0x7e ? j : j - 1
}

/**
 * Skips an ECMA-48 control string (OSC, DCS, SOS, PM, APC) whose introducer ends at `i`, up to its
 * terminator: ST (ESC \ or C1 0x9C) or BEL (how xterm ends an OSC). Unterminated, it runs to the end.
 */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j)
    if (c === 0x07 || c === 0x9c) return j
    if (c === 0x1b && text.charCodeAt(j + 1) === 0x5c) return j + 1
  }
  return text.length - 1
}

/**
 * Skips the escape sequence that starts with the ESC at `i`: ESC `[` opens a CSI, ESC `]`, `P`, `X`,
 * `^` or `_` a control string (ECMA-48 §5.3, §5.6); any other is ESC, intermediates, one final byte.
 */
function skipEscape(text: string, i: number): number {
  const next = text.charCodeAt(i + 1)
  if (next === 0x5b) return skipCsi(text, i + 1)
  if (next === 0x5d || next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) return skipString(text, i + 1)
  let j = i + 1
  while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++
  const final = text.charCodeAt(j)
  return final >= 0x30 && final <= 0x7e ? j : j - 1
}

/** `<` followed by an ASCII letter, `/`, `!` or `?`: the start of an HTML tag, comment or declaration. */
function startsTag(text: string, i: number): boolean {
  const c = text.charCodeAt(i + 1)
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2f || c === 0x21 || c === 0x3f
}

/**
 * One line of clean text from untrusted text, in one pass over at most `REASON_INPUT_LIMIT` code
 * units: terminal escape sequences (ECMA-48 CSI and control strings, 7-bit and C1) are removed with
 * their parameters, controls and bidi or invisible format characters are dropped, runs of
 * whitespace become one space, lone surrogates become U+FFFD, Unicode tag characters are dropped,
 * and with `html` tags become spaces. Cut at `MAX_REASON` with an ellipsis.
 */
function clean(input: string, html: boolean): string {
  const text = head(input)
  let out = ''
  let space = false
  // Once no `>` follows a `<`, none follows any later `<`: remembered so each `<` is not rescanned.
  let tagEnds = true
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    let piece: string
    if (c === 0x1b) {
      i = skipEscape(text, i)
      continue
    }
    if (c === 0x9b) {
      i = skipCsi(text, i)
      continue
    }
    if (c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) {
      i = skipString(text, i)
      continue
    }
    if (isHigh(c) && isLow(text.charCodeAt(i + 1))) {
      const low = text.charCodeAt(++i)
      // Tag characters U+E0000-U+E007F: invisible text.
      if (c === 0xdb40 && low <= 0xdc7f) continue
      piece = String.fromCharCode(c, low)
    } else if (isHigh(c) || isLow(c)) {
      piece = '\ufffd'
    } else if (html && c === 0x3c && tagEnds && startsTag(text, i)) {
      const end = text.indexOf('>', i + 2)
      if (end >= 0) {
        space = true
        i = end
        continue
      }
      tagEnds = false
      piece = '<'
    } else {
      const what = classOf(c)
      if (what === DROP) continue
      if (what === SPACE) {
        space = true
        continue
      }
      piece = text[i] as string
    }
    if (space && out !== '') out += ' '
    space = false
    out += piece
    if (out.length > MAX_REASON) return cut(out)
  }
  return text.length < input.length && out !== '' ? `${out}…` : out
}

/** `text` cut at `MAX_REASON` code units (never inside a surrogate pair), with an ellipsis. */
function cut(text: string): string {
  if (text.length <= MAX_REASON) return text
  const end = isHigh(text.charCodeAt(MAX_REASON - 1)) ? MAX_REASON - 1 : MAX_REASON
  return `${text.slice(0, end).trimEnd()}…`
}

/** Index of the next `<name` (ASCII case-insensitive) that ends with `>`, `/` or whitespace; -1 if none. */
function findTag(text: string, name: string, from: number): number {
  for (let i = text.indexOf('<', from); i >= 0; i = text.indexOf('<', i + 1)) {
    let k = 0
    for (; k < name.length; k++) {
      const c = text.charCodeAt(i + 1 + k)
      const want = name.charCodeAt(k)
      if (c !== want && !(c >= 0x41 && c <= 0x5a && c + 0x20 === want)) break
    }
    if (k < name.length) continue
    const next = text.charCodeAt(i + 1 + k)
    if (next === 0x3e || next === 0x2f || next === 0x20 || (next >= 0x09 && next <= 0x0d)) return i
  }
  return -1
}

/** An HTML page's `<title>`, cleaned; undefined when it has none or it is empty. */
function titleOf(text: string): string | undefined {
  const start = findTag(text, 'title', 0)
  if (start < 0) return undefined
  const open = text.indexOf('>', start)
  if (open < 0) return undefined
  const end = findTag(text, '/title', open + 1)
  if (end < 0) return undefined
  const title = clean(text.slice(open + 1, end), true)
  return title === '' ? undefined : title
}

/** The reason a JSON body gives, cleaned; undefined when it names none. */
function jsonReason(text: string): string | undefined {
  let json: Record<string, unknown>
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (typeof json.reason === 'string') return clean(json.reason, false)
  if (typeof json.message === 'string') {
    const message = clean(json.message, false)
    return typeof json.errno === 'number' ? cut(`${message} (errno ${json.errno})`.trim()) : message
  }
  const error = json.error
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string')
    return clean((error as { message: string }).message, false)
  if (typeof error === 'string') return clean(error, false)
  return undefined
}

/**
 * The service's own words about a failure, as one clean line of at most 300 characters (and an
 * ellipsis), read from at most the first `REASON_INPUT_LIMIT` characters of the body and of each
 * header, in time linear in that prefix. Terminal escape sequences, control characters, bidi and
 * invisible format characters never reach it. Read from:
 * - Mozilla autopush: JSON `{ code, errno, error, message, more_info }`.
 * - Apple: JSON `{ reason }`.
 * - FCM: a text (or HTML) body, or JSON `{ error: { message, status } }`.
 * - WNS: `X-WNS-Error-Description`, `X-WNS-Status`, `X-WNS-DeviceConnectionStatus` headers.
 */
export function parseReason(status: number, headers: Record<string, string>, body: string): string | undefined {
  if (status >= 200 && status < 300) return undefined
  const description = headers['x-wns-error-description']
  const wnsStatus = headers['x-wns-status']
  if (description !== undefined || wnsStatus !== undefined) {
    // Each header is cleaned alone: an escape sequence cut short in one must not swallow the next.
    const parts: string[] = []
    const add = (label: string, value: string | undefined) => {
      const text = value === undefined ? '' : clean(value, false)
      if (text !== '') parts.push(`${label}${text}`)
    }
    add('', description)
    add('status ', wnsStatus)
    add('device ', headers['x-wns-deviceconnectionstatus'])
    return parts.length === 0 ? undefined : cut(parts.join('; '))
  }
  const text = head(body)
  if (body.length <= REASON_INPUT_LIMIT && text.trimStart().startsWith('{')) {
    const reason = jsonReason(text)
    if (reason !== undefined) return reason === '' ? undefined : reason
  }
  // FCM sometimes answers with an HTML page: keep its title or its text.
  const reason = titleOf(text) ?? clean(body, true)
  return reason === '' ? undefined : reason
}
