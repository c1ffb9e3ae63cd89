/**
 * `@wp/ece/utils`: the byte, base64, key and argument helpers and the crypto backends, shared by
 * every @wp package so that none of them copies a helper. Not needed by users of encryption alone.
 */
export {
  availableBackends,
  type BackendKey,
  type BackendName,
  backendByName,
  type CryptoBackend,
  getBackend,
  type KeyPair,
  useBackend,
} from './backend.js'
export { base64Decode, base64Encode } from './base64.js'
export { base64urlDecode, base64urlEncode } from './base64url.js'
export {
  type BytesLike,
  concatBytes,
  copyBytes,
  describe,
  describeValue,
  equalBytes,
  isBytes,
  toBytes,
  toEndpointUrl,
  toInteger,
  toOptions,
  utf8Decode,
  utf8Encode,
} from './bytes.js'
export { type ContentEncoding, toContentEncoding } from './content-encoding.js'
export { toPlaintext } from './ece.js'
export { WebPushError, type WebPushErrorCode, type WebPushErrorOptions } from './errors.js'
export { jwkToPoint, type P256PublicJwk, pointToJwk } from './jwk.js'
export { publicKeyOf, randomBytes } from './keys.js'
export { toPrivateKey, toPublicKey } from './p256.js'
export { parseParams as parseCryptoParams } from './web-push.js'
