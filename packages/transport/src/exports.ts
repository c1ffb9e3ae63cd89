/** What every entry point of @wp/transport exports besides `createTransport`. */
export { WebPushError, type WebPushErrorCode } from '@wp/ece'
export { isPrivateAddress } from './address.js'
export { isRetryableStatus, outcomeOf, parseReason, parseRetryAfter } from './classify.js'
export { toCurl } from './curl.js'
export { type AnyWebPushError, NetworkError, type NetworkErrorOptions, PushServiceError } from './errors.js'
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
