import { createFetchTransport } from './fetch-transport.js'
import { createNodeTransport } from './node/transport.js'
import type { Transport, TransportOptions } from './types.js'

export { WebPushError, type WebPushErrorCode } from '@wp/ece'
export { isPrivateAddress } from './address.js'
export { isRetryableStatus, outcomeOf, parseReason, parseRetryAfter } from './classify.js'
export { toCurl } from './curl.js'
export { PushServiceError } from './errors.js'
export { createFetchTransport } from './fetch-transport.js'
export { createNodeTransport } from './node/transport.js'
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
 * A transport: pooled HTTP/1.1 and multiplexed HTTP/2 over Node's networking, or the given `fetch`
 * when `options.fetch` is set.
 */
export function createTransport(options: TransportOptions = {}): Transport {
  return options.fetch === undefined ? createNodeTransport(options) : createFetchTransport(options)
}
