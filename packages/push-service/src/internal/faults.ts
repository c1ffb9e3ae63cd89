/** Injected faults: the check of the rules, and the draw each `POST /push/…` makes against them. */
import type { IncomingMessage } from 'node:http'
import { describeValue, toInteger, WebPushError } from '@wp/ece/utils'
import type { FaultRule } from '../types.js'
import { HttpError } from './http-error.js'
import { MAX_TIMER_MS } from './options.js'

const FIELDS = ['rate', 'count', 'status', 'retryAfterSeconds', 'delayMs', 'drop']

function invalid(message: string): WebPushError {
  return new WebPushError('ERR_WP_INVALID_ARGUMENT', message)
}

/** A number from `min` to `max` (fractions allowed), or undefined when absent. */
function optionalNumber(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number' && value >= min && value <= max) return value
  throw invalid(`${field} must be a number from ${min} to ${max}, got ${describeValue(value)}`)
}

function optionalInteger(value: unknown, field: string, min: number, max: number): number | undefined {
  return value === undefined ? undefined : toInteger(value, field, min, max)
}

/** Checks one rule and gives back a copy of it. */
function checkRule(rule: unknown, field: string): FaultRule {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule))
    throw invalid(`${field} must be an object, got ${describeValue(rule)}`)
  const given = rule as Record<string, unknown>
  for (const name of Object.keys(given))
    if (!FIELDS.includes(name))
      throw invalid(`${field}.${name.slice(0, 40)} is not a field of a fault rule (${FIELDS.join(', ')})`)
  if (given.drop !== undefined && typeof given.drop !== 'boolean')
    throw invalid(`${field}.drop must be a boolean, got ${describeValue(given.drop)}`)
  const checked: Record<string, number | boolean | undefined> = {
    rate: optionalNumber(given.rate, `${field}.rate`, 0, 1),
    count: optionalInteger(given.count, `${field}.count`, 0, Number.MAX_SAFE_INTEGER),
    // RFC 9110 §15: a final status is 200 to 599 (1xx are interim and end no exchange).
    status: optionalInteger(given.status, `${field}.status`, 200, 599),
    // RFC 9110 §10.2.3: Retry-After in delay-seconds, a non-negative integer.
    retryAfterSeconds: optionalInteger(
      given.retryAfterSeconds,
      `${field}.retryAfterSeconds`,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    delayMs: optionalNumber(given.delayMs, `${field}.delayMs`, 0, MAX_TIMER_MS),
    drop: given.drop as boolean | undefined,
  }
  for (const name of FIELDS) if (checked[name] === undefined) delete checked[name]
  return checked as FaultRule
}

/** The fault rules in force, each with how many requests it has applied to. */
export class Faults {
  #rules: (FaultRule & { used: number })[] = []

  /**
   * Replaces the rules; `undefined` clears them.
   * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a rule that is not an object, has a field of
   *   another name, or a field of the wrong type or range (`rate` 0 to 1, `count` an integer from 0,
   *   `status` an integer from 200 to 599, `retryAfterSeconds` an integer from 0, `delayMs` a number
   *   from 0 to 2^31 - 1, `drop` a boolean); the rules in force are then left as they were
   */
  set(faults: unknown): void {
    const list = faults === undefined ? [] : Array.isArray(faults) ? faults : [faults]
    const field = Array.isArray(faults) ? (i: number) => `faults[${i}]` : () => 'faults'
    const checked = list.map((rule, i) => checkRule(rule, field(i)))
    this.#rules = checked.map((rule) => ({ ...rule, used: 0 }))
  }

  /**
   * Draws the rules in order for one request: a rule applies at its `rate`, at most `count` times.
   * Returns true when the request was dropped; throws the {@link HttpError} of an injected status.
   */
  async draw(req: IncomingMessage): Promise<boolean> {
    for (const rule of this.#rules) {
      if (rule.count !== undefined && rule.used >= rule.count) continue
      if (Math.random() >= (rule.rate ?? 1)) continue
      rule.used++
      if (rule.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs))
      if (rule.drop) {
        req.socket.destroy()
        return true
      }
      if (rule.status !== undefined) {
        req.resume()
        const headers: Record<string, string> = {}
        if (rule.retryAfterSeconds !== undefined) headers['retry-after'] = String(rule.retryAfterSeconds)
        // autopush's errno 201: try again later.
        throw new HttpError(
          rule.status,
          rule.status === 429 || rule.status === 503 ? 201 : 999,
          'Injected fault',
          headers,
        )
      }
    }
    return false
  }
}
