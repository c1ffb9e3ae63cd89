/**
 * `@wp/ece/utils`: the byte, base64, key and argument helpers and the crypto backends, shared by
 * every @wp package so that none of them copies a helper. Not needed by users of encryption alone.
 */

export { type BytesLike, toByteArray, toBytes, toEndpointUrl, toInteger, toOptions } from './args.js'
export {
  availableBackends,
  type BackendKey,
  type BackendName,
  backendByName,
  type CryptoBackend,
  getBackend,
  getSyncBackend,
  type KeyPair,
  loadBackend,
  type SyncBackendName,
  type SyncCryptoBackend,
  syncBackendByName,
  useBackend,
} from './backend.js'
export { base64Decode, base64Encode } from './base64.js'
export { base64urlDecode, base64urlEncode } from './base64url.js'
export {
  concatBytes,
  copyBytes,
  describe,
  describeValue,
  equalBytes,
  isBytes,
  utf8Decode,
  utf8Encode,
} from './bytes.js'
export { type ContentEncoding, toContentEncoding } from './content-encoding.js'
export { toPlaintext } from './ece.js'
export { WebPushError, type WebPushErrorCode, type WebPushErrorOptions } from './errors.js'
export { parseCryptoParams } from './internal/crypto-params.js'
export { jwkToPoint, type P256PublicJwk, pointToJwk } from './jwk.js'
export { publicKeyOf, publicKeyOfAsync, randomBytes } from './keys.js'
export { toPrivateKey, toPublicKey } from './p256.js'
export { type EncryptWebPushMultiRecordOptions, encryptWebPushMultiRecordSync } from './web-push.js'
