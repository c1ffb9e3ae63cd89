/**
 * @wp/webpush: send Web Push messages. Re-exports what a sender needs from the lower packages, so
 * most users install only this one.
 */
export {
  type ContentEncoding,
  WebPushError,
  WebPushError as WebPushException,
  type WebPushErrorCode,
} from '@wp/ece'
export {
  type AnyWebPushError,
  type PushOutcome,
  type PushRequest,
  type PushResponse,
  PushServiceError,
  type Transport,
  type TransportOptions,
} from '@wp/transport'
export { generateVapidKeys } from '@wp/vapid'
export { type CheckSubscriptionOptions, checkMessage, checkSubscription, outcomeOf } from './checks.js'
export {
  createPushClient,
  type PushClient,
  type PushClientOptions,
  type PushClientSendOptions,
} from './client.js'
export type { Urgency } from './internal/headers.js'
export type { GcmOptions, MessageOptions, PreparedRequest, PushSubscriptionJSON } from './internal/prepare.js'
export type { SendManyData, SendManyOptions, SendOutcome, SendProgress, SendResult } from './send-many.js'
export {
  type VapidClaimsInput,
  WebPusher,
  type WebPusherSendOptions,
  type WebPushOptions,
  webpush,
} from './webpush.js'
