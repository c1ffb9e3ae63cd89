/**
 * `@wp/webpush/compat`: the npm `web-push` 3.6.7 API as a drop-in. Same exports, option names,
 * defaults, messages and result shapes; sends through `https.request`. Differences, on purpose:
 * loopback and private endpoints are refused unless `allowPrivateNetwork: true` or
 * `WEBPUSH_ALLOW_PRIVATE_NETWORK=1`; keys that are not P-256 keys are refused when a token is signed.
 */
import { supportedContentEncodings, supportedUrgency } from './constants.js'
import { encrypt } from './encrypt.js'
import { WebPushError } from './error.js'
import { generateRequestDetails, setGCMAPIKey, setVapidDetails } from './request.js'
import { sendNotification } from './send.js'
import { generateVAPIDKeys, getVapidHeaders } from './vapid.js'

export type { EncryptResult } from './encrypt.js'
export type { PushSubscription, RequestDetails, RequestOptions, VapidDetails } from './request.js'
export type { SendResult } from './send.js'
export {
  encrypt,
  generateRequestDetails,
  generateVAPIDKeys,
  getVapidHeaders,
  sendNotification,
  setGCMAPIKey,
  setVapidDetails,
  supportedContentEncodings,
  supportedUrgency,
  WebPushError,
}

/** The default export, as `require('web-push')`: every function and constant on one object. */
const webpush: {
  WebPushError: typeof WebPushError
  supportedContentEncodings: typeof supportedContentEncodings
  supportedUrgency: typeof supportedUrgency
  encrypt: typeof encrypt
  getVapidHeaders: typeof getVapidHeaders
  generateVAPIDKeys: typeof generateVAPIDKeys
  setGCMAPIKey: typeof setGCMAPIKey
  setVapidDetails: typeof setVapidDetails
  generateRequestDetails: typeof generateRequestDetails
  sendNotification: typeof sendNotification
} = {
  WebPushError,
  supportedContentEncodings,
  supportedUrgency,
  encrypt,
  getVapidHeaders,
  generateVAPIDKeys,
  setGCMAPIKey,
  setVapidDetails,
  generateRequestDetails,
  sendNotification,
}
export default webpush
