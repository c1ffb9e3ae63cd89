export type { BytesLike } from './args.js'
export { availableBackends, type BackendName, getBackend, loadBackend, useBackend } from './backend.js'
export { base64urlDecode, base64urlEncode } from './base64url.js'
export type { ContentEncoding } from './content-encoding.js'
export { type DecryptOptions, decrypt, type EncryptOptions, encrypt, type Plaintext } from './ece.js'
export { WebPushError, type WebPushErrorCode, type WebPushErrorOptions } from './errors.js'
export { generateSubscriptionKeys, type SubscriptionKeys } from './keys.js'
export {
  type DecryptWebPushOptions,
  decryptWebPush,
  type EncryptedPush,
  type EncryptWebPushOptions,
  encryptWebPush,
  encryptWebPushSync,
  maxPlaintextLength,
  type PushSubscriptionKeys,
  type ReceiverKeys,
} from './web-push.js'
