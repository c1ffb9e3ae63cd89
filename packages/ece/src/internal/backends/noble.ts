/** The pure-JS backend (@noble/curves, @noble/hashes, @noble/ciphers): the reference, and the fallback everywhere. */
import { gcm } from '@noble/ciphers/aes.js'
import { p256 } from '@noble/curves/nist.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { BackendKey, CryptoBackend, SyncCryptoBackend } from '../../backend.js'
import { asyncBackend } from './async.js'

interface RawKey extends BackendKey {
  readonly raw: Uint8Array
}

function sharedX(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return p256.getSharedSecret(privateKey, publicKey, true).subarray(1)
}

/** The `'noble'` backend, synchronous: every primitive in pure JS. */
export const nobleSyncBackend: SyncCryptoBackend = {
  name: 'noble',

  generateKeyPair() {
    const privateKey = p256.utils.randomSecretKey()
    return { privateKey, publicKey: p256.getPublicKey(privateKey, false) }
  },

  ephemeralEcdh(peerPublicKey) {
    const privateKey = p256.utils.randomSecretKey()
    return { publicKey: p256.getPublicKey(privateKey, false), secret: sharedX(privateKey, peerPublicKey) }
  },

  ecdh(own, peerPublicKey) {
    return sharedX(own.privateKey, peerPublicKey)
  },

  hkdf(salt, ikm, info, length) {
    return hkdf(sha256, ikm, salt, info, length)
  },

  hmacSha256(key, data) {
    return hmac(sha256, key, data)
  },

  importAesKey(raw) {
    return { backend: 'noble', raw } satisfies RawKey
  },

  aesGcmEncrypt(key, nonce, plaintext) {
    return gcm((key as RawKey).raw, nonce).encrypt(plaintext)
  },

  aesGcmDecrypt(key, nonce, ciphertext) {
    return gcm((key as RawKey).raw, nonce).decrypt(ciphertext)
  },

  importSigningKey(pair) {
    return { backend: 'noble', raw: pair.privateKey } satisfies RawKey
  },

  sign(key, data) {
    return p256.sign(data, (key as RawKey).raw, { prehash: true, lowS: false })
  },

  verify(publicKey, data, signature) {
    try {
      return p256.verify(signature, data, publicKey, { prehash: true, lowS: false })
    } catch {
      return false
    }
  },
}

/** The `'noble'` backend: the same primitives, through promises. */
export const nobleBackend: CryptoBackend = asyncBackend(nobleSyncBackend)
