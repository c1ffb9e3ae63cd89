/** The asynchronous face of a synchronous backend (node:crypto, pure JS): one implementation of each primitive for both APIs. */
import type { CryptoBackend, SyncCryptoBackend } from '../../backend.js'

/**
 * The {@link CryptoBackend} of a synchronous backend: each primitive is the synchronous one, its
 * result (or what it throws) delivered as a promise. One implementation of each primitive serves both APIs.
 */
export function asyncBackend(sync: SyncCryptoBackend): CryptoBackend {
  return {
    name: sync.name,
    generateKeyPair: async () => sync.generateKeyPair(),
    ephemeralEcdh: async (peer) => sync.ephemeralEcdh(peer),
    ecdh: async (own, peer) => sync.ecdh(own, peer),
    hkdf: async (salt, ikm, info, length) => sync.hkdf(salt, ikm, info, length),
    hmacSha256: async (key, data) => sync.hmacSha256(key, data),
    importAesKey: async (key) => sync.importAesKey(key),
    aesGcmEncrypt: async (key, nonce, plaintext, into) => sync.aesGcmEncrypt(key, nonce, plaintext, into),
    aesGcmDecrypt: async (key, nonce, ciphertext) => sync.aesGcmDecrypt(key, nonce, ciphertext),
    importSigningKey: async (pair) => sync.importSigningKey(pair),
    sign: async (key, data) => sync.sign(key, data),
    verify: async (publicKey, data, signature) => sync.verify(publicKey, data, signature),
  }
}
