/**
 * The service's bounds: their defaults (the README's "Limits" table says why each fits) and the
 * check of the ones a caller passes.
 */
import { toInteger, toOptions, WebPushError } from '@wp/ece/utils'
import type { PushServiceLimits } from '../types.js'

/** Every limit, resolved. */
export type Limits = Readonly<Required<PushServiceLimits>>

/** The defaults. */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  // The largest frame Firefox sends is a hello listing its channelIDs (39 bytes each once quoted):
  // 1000 channels, the per-uaid limit, take 39 KB. Notifications go the other way and are not bounded here.
  maxFrameBytes: 65_536,
  maxConnections: 1024,
  maxWebSockets: 256,
  maxChannelsPerUaid: 1000,
  maxChannels: 10_000,
  maxPendingPerChannel: 100,
  maxPendingPerUaid: 1000,
  maxPendingMessages: 10_000,
  maxAcks: 1000,
  ackRetentionMs: 600_000,
  maxGone: 10_000,
  goneRetentionMs: 86_400_000,
  helloTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5000,
})

/**
 * The limits in force: `DEFAULT_LIMITS` with the caller's over them.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a limit that is not a positive integer, an unknown
 *   one, or a `headersTimeoutMs` above `requestTimeoutMs` (Node would refuse it)
 */
export function resolveLimits(value: unknown): Limits {
  const given = toOptions<PushServiceLimits>(value, 'limits')
  const limits: Record<string, number> = { ...DEFAULT_LIMITS }
  for (const [name, limit] of Object.entries(given)) {
    if (!(name in DEFAULT_LIMITS))
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `limits.${name.slice(0, 40)} must be one of the known limits`)
    if (limit !== undefined) limits[name] = toInteger(limit, `limits.${name}`, 1, 2 ** 31 - 1)
  }
  const resolved = limits as Required<PushServiceLimits>
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs)
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `limits.headersTimeoutMs must be at most limits.requestTimeoutMs (${resolved.requestTimeoutMs}), got ${resolved.headersTimeoutMs}`,
    )
  return Object.freeze(resolved)
}
