/** The options of `startPushService` and of the waits (`next`, `waitForAck`), checked, with their defaults. */
import { describeValue, toInteger, toOptions, WebPushError } from '@wp/ece/utils'
import type { PushServiceOptions } from '../types.js'
import { type Limits, resolveLimits } from './limits.js'

/** Every option but the fault rules (checked by `Faults`), resolved. */
export interface ResolvedOptions {
  readonly host: string
  readonly port: number
  readonly strict: boolean
  readonly tls: boolean
  readonly maxTtlSeconds: number
  readonly limits: Limits
}

function optionalBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value === 'boolean') return value
  throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} must be a boolean, got ${describeValue(value)}`)
}

/**
 * The options in force.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for options that are not an object, a `host` that is
 *   not a non-empty string, a `port` that is not an integer from 0 to 65535, a `strict` or `tls` that
 *   is not a boolean, a `maxTtlSeconds` that is not an integer from 0, or a bad limit (`resolveLimits`)
 */
export function resolveOptions(value: unknown): ResolvedOptions {
  const options = toOptions<PushServiceOptions>(value, 'options')
  const host = options.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host.length === 0 || host.length > 255)
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `options.host must be a host name or IP address (1 to 255 characters), got ${describeValue(host)}`,
    )
  return {
    host,
    port: options.port === undefined ? 0 : toInteger(options.port, 'options.port', 0, 65_535),
    strict: optionalBoolean(options.strict, 'options.strict', true),
    tls: optionalBoolean(options.tls, 'options.tls', false),
    maxTtlSeconds:
      options.maxTtlSeconds === undefined
        ? 2_592_000
        : toInteger(options.maxTtlSeconds, 'options.maxTtlSeconds', 0, 2 ** 31 - 1),
    limits: resolveLimits(options.limits),
  }
}

/** setTimeout's longest delay, 2^31 - 1 ms (about 24.8 days); a longer one would fire at once. */
export const MAX_TIMER_MS: number = 2 ** 31 - 1

/**
 * The `timeoutMs` of a wait's options: 10000 when absent.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for one that is not an integer from 0 to {@link MAX_TIMER_MS}
 */
export function timeoutOf(options: { timeoutMs?: unknown }): number {
  return options.timeoutMs === undefined ? 10_000 : toInteger(options.timeoutMs, 'options.timeoutMs', 0, MAX_TIMER_MS)
}
