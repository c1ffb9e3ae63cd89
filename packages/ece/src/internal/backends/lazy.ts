/** A backend whose code is loaded when first used (the pure-JS one outside Node: a separate chunk in a bundle). */
import type { BackendName, CryptoBackend } from '../../backend.js'

/**
 * The {@link CryptoBackend} named `name` whose every primitive first awaits `load()` (called once per
 * primitive call; `load` caches its own promise) and then calls the loaded backend's primitive.
 */
export function lazyBackend(name: BackendName, load: () => Promise<CryptoBackend>): CryptoBackend {
  return {
    name,
    generateKeyPair: async () => (await load()).generateKeyPair(),
    ephemeralEcdh: async (peer) => (await load()).ephemeralEcdh(peer),
    ecdh: async (own, peer) => (await load()).ecdh(own, peer),
    hkdf: async (salt, ikm, info, length) => (await load()).hkdf(salt, ikm, info, length),
    hmacSha256: async (key, data) => (await load()).hmacSha256(key, data),
    importAesKey: async (key) => (await load()).importAesKey(key),
    aesGcmEncrypt: async (key, nonce, plaintext, into) => (await load()).aesGcmEncrypt(key, nonce, plaintext, into),
    aesGcmDecrypt: async (key, nonce, ciphertext) => (await load()).aesGcmDecrypt(key, nonce, ciphertext),
    importSigningKey: async (pair) => (await load()).importSigningKey(pair),
    sign: async (key, data) => (await load()).sign(key, data),
    verify: async (publicKey, data, signature) => (await load()).verify(publicKey, data, signature),
  }
}
