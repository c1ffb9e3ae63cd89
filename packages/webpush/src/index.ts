/**
 * @wp/webpush: send Web Push messages. Re-exports what a sender needs from the lower packages, so
 * most users install only this one.
 */
export { WebPushError, type WebPushErrorCode } from '@wp/ece'
export { type AnyWebPushError, type PushOutcome, type PushResponse, PushServiceError } from '@wp/transport'
export { generateVapidKeys } from '@wp/vapid'
