/** The WebCrypto backend (`crypto.subtle`): browsers, Deno, Bun, Cloudflare Workers, Node. */
import type { BackendKey, CryptoBackend, KeyPair } from '../../backend.js'
import { base64urlDecode, base64urlEncode } from '../../base64url.js'
import { pointToJwk } from '../../jwk.js'

interface WebKey extends BackendKey {
  readonly key: CryptoKey
}

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const
const ES256 = { name: 'ECDSA', hash: 'SHA-256' } as const

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle
}

/** Copies a view into a fresh ArrayBuffer-backed array, as some WebCrypto implementations require. */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes)
}

/** The private JWK of a key pair (RFC 7518 §6.2.2: the public members and `d`). */
function privateJwk(pair: KeyPair): JsonWebKey {
  return { ...pointToJwk(pair.publicKey), d: base64urlEncode(pair.privateKey), ext: true }
}

async function importPublic(publicKey: Uint8Array, algorithm: typeof ECDH | typeof ECDSA): Promise<CryptoKey> {
  return subtle().importKey('raw', own(publicKey), algorithm, true, algorithm === ECDH ? [] : ['verify'])
}

async function deriveX(privateKey: CryptoKey, peerPublicKey: Uint8Array): Promise<Uint8Array> {
  const peer = await importPublic(peerPublicKey, ECDH)
  return new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: peer }, privateKey, 256))
}

/** The `'webcrypto'` backend: every primitive through `crypto.subtle`. */
export const webcryptoBackend: CryptoBackend = {
  name: 'webcrypto',

  async generateKeyPair() {
    const pair = (await subtle().generateKey(ECDH, true, ['deriveBits'])) as CryptoKeyPair
    const [jwk, raw] = await Promise.all([
      subtle().exportKey('jwk', pair.privateKey),
      subtle().exportKey('raw', pair.publicKey),
    ])
    return { privateKey: base64urlDecode(jwk.d as string, 'd'), publicKey: new Uint8Array(raw) }
  },

  async ephemeralEcdh(peerPublicKey) {
    const pair = (await subtle().generateKey(ECDH, true, ['deriveBits'])) as CryptoKeyPair
    const [raw, secret] = await Promise.all([
      subtle().exportKey('raw', pair.publicKey),
      deriveX(pair.privateKey, peerPublicKey),
    ])
    return { publicKey: new Uint8Array(raw), secret }
  },

  async ecdh(pair, peerPublicKey) {
    const key = await subtle().importKey('jwk', privateJwk(pair), ECDH, false, ['deriveBits'])
    return deriveX(key, peerPublicKey)
  },

  async hkdf(salt, ikm, info, length) {
    const key = await subtle().importKey('raw', own(ikm), 'HKDF', false, ['deriveBits'])
    const bits = await subtle().deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: own(salt), info: own(info) },
      key,
      length * 8,
    )
    return new Uint8Array(bits)
  },

  async hmacSha256(key, data) {
    const k = await subtle().importKey('raw', own(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    return new Uint8Array(await subtle().sign('HMAC', k, own(data)))
  },

  async importAesKey(raw) {
    const key = await subtle().importKey('raw', own(raw), 'AES-GCM', false, ['encrypt', 'decrypt'])
    return { backend: 'webcrypto', key } satisfies WebKey
  },

  async aesGcmEncrypt(key, nonce, plaintext) {
    const out = await subtle().encrypt({ name: 'AES-GCM', iv: own(nonce) }, (key as WebKey).key, own(plaintext))
    return new Uint8Array(out)
  },

  async aesGcmDecrypt(key, nonce, ciphertext) {
    const out = await subtle().decrypt({ name: 'AES-GCM', iv: own(nonce) }, (key as WebKey).key, own(ciphertext))
    return new Uint8Array(out)
  },

  async importSigningKey(pair) {
    const key = await subtle().importKey('jwk', privateJwk(pair), ECDSA, false, ['sign'])
    return { backend: 'webcrypto', key } satisfies WebKey
  },

  async sign(key, data) {
    return new Uint8Array(await subtle().sign(ES256, (key as WebKey).key, own(data)))
  },

  async verify(publicKey, data, signature) {
    try {
      const key = await importPublic(publicKey, ECDSA)
      return await subtle().verify(ES256, key, own(signature), own(data))
    } catch {
      return false
    }
  },
}

/** Whether this runtime has WebCrypto with the algorithms needed (absent in insecure browser contexts). */
export function hasWebCrypto(): boolean {
  return typeof globalThis.crypto?.subtle?.importKey === 'function'
}
