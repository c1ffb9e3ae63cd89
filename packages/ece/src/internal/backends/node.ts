/// <reference types="node" />
/** The node:crypto backend: OpenSSL underneath, the fastest where it exists (Node, Bun, Deno). */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type ECDH,
  hkdfSync,
  type JsonWebKey,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto'
import type { BackendKey, CryptoBackend, KeyPair, SyncCryptoBackend } from '../../backend.js'
import { base64urlEncode } from '../../base64url.js'
import { copyBytes } from '../../bytes.js'
import { pointToJwk } from '../../jwk.js'
import { asyncBackend } from './async.js'

const CURVE = 'prime256v1'
const ONE = new Uint8Array([1])

/**
 * The ECDH objects of ephemeralEcdh and ecdh, made once and reused: createECDH costs about 11 µs,
 * close to a tenth of a whole message. Reuse is safe: generateKeys() draws a fresh private key on
 * every call (OpenSSL's EC_KEY_generate_key), setPrivateKey() replaces the key, and each use is
 * synchronous from setting the key to computing the secret, so no other call can come in between.
 */
let ephemeral: ECDH | undefined
let receiving: ECDH | undefined

interface AesKey extends BackendKey {
  readonly raw: Uint8Array
}
interface SigningKey extends BackendKey {
  readonly key: KeyObject
}

/** A plain Uint8Array view of a Buffer (no copy), so nothing a backend returns is a Buffer. */
function u8(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

/** The private JWK of a key pair (RFC 7518 §6.2.2: the public members and `d`). */
function privateJwk(pair: KeyPair): JsonWebKey {
  return { ...pointToJwk(pair.publicKey), d: base64urlEncode(pair.privateKey) }
}

/** The `'node'` backend, synchronous: every primitive through node:crypto. */
export const nodeSyncBackend: SyncCryptoBackend = {
  name: 'node',

  generateKeyPair() {
    const ecdh = createECDH(CURVE)
    const publicKey = copyBytes(ecdh.generateKeys())
    // getPrivateKey() drops leading zero octets (1 key in 256 comes out shorter): left-pad to the 32-byte scalar.
    const scalar = ecdh.getPrivateKey()
    const privateKey = new Uint8Array(32)
    privateKey.set(scalar, 32 - scalar.length)
    return { privateKey, publicKey }
  },

  ephemeralEcdh(peerPublicKey) {
    ephemeral ??= createECDH(CURVE)
    const publicKey = ephemeral.generateKeys()
    return { publicKey: u8(publicKey), secret: u8(ephemeral.computeSecret(peerPublicKey)) }
  },

  ecdh(own, peerPublicKey) {
    receiving ??= createECDH(CURVE)
    receiving.setPrivateKey(own.privateKey)
    return u8(receiving.computeSecret(peerPublicKey))
  },

  hkdf(salt, ikm, info, length) {
    if (length > 32) return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length))
    // RFC 5869 §2.2-2.3 with L <= HashLen: PRK = HMAC-Hash(salt, IKM), OKM = the first L octets of
    // T(1) = HMAC-Hash(PRK, info || 0x01). Two HMACs cost about half of hkdfSync, which makes a
    // KeyObject of the IKM on every call.
    const prk = createHmac('sha256', salt).update(ikm).digest()
    const okm = createHmac('sha256', prk).update(info).update(ONE).digest()
    return new Uint8Array(okm.buffer.slice(okm.byteOffset, okm.byteOffset + length))
  },

  hmacSha256(key, data) {
    return u8(createHmac('sha256', key).update(data).digest())
  },

  importAesKey(raw) {
    return { backend: 'node', raw } satisfies AesKey
  },

  aesGcmEncrypt(key, nonce, plaintext, into) {
    const cipher = createCipheriv('aes-128-gcm', (key as AesKey).raw, nonce)
    const head = cipher.update(plaintext)
    cipher.final()
    const tag = cipher.getAuthTag()
    // Written straight into the caller's body when it offers the place: one 3 KB copy less.
    const out = into !== undefined && into.length === head.length + 16 ? into : new Uint8Array(head.length + 16)
    out.set(head, 0)
    out.set(tag, head.length)
    return out
  },

  aesGcmDecrypt(key, nonce, ciphertext) {
    const end = ciphertext.length - 16
    const decipher = createDecipheriv('aes-128-gcm', (key as AesKey).raw, nonce)
    decipher.setAuthTag(ciphertext.subarray(end))
    const out = decipher.update(ciphertext.subarray(0, end))
    decipher.final()
    return u8(out)
  },

  importSigningKey(pair) {
    const key = createPrivateKey({ key: privateJwk(pair), format: 'jwk' })
    return { backend: 'node', key } satisfies SigningKey
  },

  sign(key, data) {
    return u8(nodeSign('sha256', data, { key: (key as SigningKey).key, dsaEncoding: 'ieee-p1363' }))
  },

  verify(publicKey, data, signature) {
    try {
      const key = createPublicKey({ key: pointToJwk(publicKey), format: 'jwk' })
      return nodeVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)
    } catch {
      return false
    }
  },
}

/** The `'node'` backend: the same primitives, through promises. */
export const nodeBackend: CryptoBackend = asyncBackend(nodeSyncBackend)
