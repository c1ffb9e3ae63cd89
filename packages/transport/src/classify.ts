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

/** Statuses where the service did not take the message and a retry may succeed. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503 || status === 500 || status === 502 || status === 504
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) as milliseconds from now: delay-seconds or an HTTP-date.
 * Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Math.min(Number(text), 365 * 24 * 3600) * 1000
  // RFC 9110 §5.6.7: every HTTP-date form starts with a day name. Date.parse alone would read
  // "-1" or "1.5" as dates in 2001, turning a malformed value into "retry now".
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/i.test(text)) return undefined
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

const MAX_REASON = 300

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON)}…` : flat
}

/**
 * The service's own words about a failure:
 * - Mozilla autopush: JSON `{ code, errno, error, message, more_info }`.
 * - Apple: JSON `{ reason }`.
 * - FCM: a text (or HTML) body, or JSON `{ error: { message, status } }`.
 * - WNS: `X-WNS-Error-Description`, `X-WNS-Status`, `X-WNS-DeviceConnectionStatus` headers.
 */
export function parseReason(status: number, headers: Record<string, string>, body: string): string | undefined {
  if (status >= 200 && status < 300) return undefined
  const wns = headers['x-wns-error-description'] ?? headers['x-wns-status']
  if (wns !== undefined) {
    const parts = [headers['x-wns-error-description'], headers['x-wns-status'] && `status ${headers['x-wns-status']}`]
    if (headers['x-wns-deviceconnectionstatus']) parts.push(`device ${headers['x-wns-deviceconnectionstatus']}`)
    return clip(parts.filter(Boolean).join('; '))
  }
  const text = body.trim()
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>
      if (typeof json.reason === 'string') return clip(json.reason)
      if (typeof json.message === 'string')
        return clip(typeof json.errno === 'number' ? `${json.message} (errno ${json.errno})` : json.message)
      const error = json.error
      if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string')
        return clip((error as { message: string }).message)
      if (typeof error === 'string') return clip(error)
    } catch {
      // not JSON after all: fall through to the text
    }
  }
  if (text === '') return undefined
  // FCM sometimes answers with an HTML page: keep its title or its text.
  const title = /<title>([^<]*)<\/title>/i.exec(text)
  if (title) return clip(title[1] as string)
  return clip(text.replace(/<[^>]+>/g, ' '))
}
