import { createFetchTransport } from './fetch-transport.js'
import type { Transport, TransportOptions } from './types.js'

export { WebPushError, type WebPushErrorCode } from '@wp/ece'
export { isPrivateAddress } from './address.js'
export { isRetryableStatus, outcomeOf, parseReason, parseRetryAfter } from './classify.js'
export { toCurl } from './curl.js'
export { PushServiceError } from './errors.js'
export { createFetchTransport } from './fetch-transport.js'
export type {
  PushOutcome,
  PushRequest,
  PushResponse,
  RetryOptions,
  SendOptions,
  Transport,
  TransportOptions,
} from './types.js'

/**
 * A transport over `fetch` (this runtime has no Node networking). `http2`, `proxy`,
 * `maxConnectionsPerOrigin` and `ca` are left to the runtime's `fetch`.
 */
export function createTransport(options: TransportOptions = {}): Transport {
  return createFetchTransport(options)
}
