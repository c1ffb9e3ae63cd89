export { WebPushError, type WebPushErrorCode } from '@wp/ece'
export { parseVapidAuthorization, type VapidAuthorization } from './authorization.js'
export { audienceOf, type VapidHeadersOptions, VapidSigner, type VapidSignerOptions, vapidHeaders } from './headers.js'
export {
  type EcJwk,
  generateVapidKeys,
  importPublicKey,
  importVapidKey,
  importVapidKeySync,
  readVapidKeyFile,
  VapidKey,
  type VapidKeyInput,
} from './keys.js'
export {
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  MAX_TOKEN_LIFETIME_SECONDS,
  type SignVapidTokenOptions,
  signVapidToken,
  type VapidClaims,
  type VerifyVapidTokenOptions,
  verifyVapidToken,
} from './token.js'
