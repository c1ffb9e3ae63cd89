export { WebPushError, type WebPushErrorCode } from '@wp/ece'
export { parseVapidAuthorization, type VapidAuthorization } from './authorization.js'
export { audienceOf, type VapidHeadersOptions, vapidHeaders } from './headers.js'
export { loadVapidKey, readVapidKeyFile } from './key-file.js'
export {
  type EcJwk,
  generateVapidKeys,
  importPublicKey,
  importVapidKey,
  importVapidKeySync,
  VapidKey,
  type VapidKeyInput,
} from './keys.js'
export { DEFAULT_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LIFETIME_SECONDS } from './lifetime.js'
export { VapidSigner, type VapidSignerOptions } from './signer.js'
export {
  type SignVapidTokenOptions,
  signVapidToken,
  type VapidClaims,
  type VerifyVapidTokenOptions,
  verifyVapidToken,
} from './token.js'
