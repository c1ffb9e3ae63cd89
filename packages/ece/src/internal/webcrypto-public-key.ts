/**
 * The public point of a P-256 private scalar through WebCrypto, which derives it when it imports a
 * key without one: no curve arithmetic of ours on a private key.
 */
import { jwkToPoint } from '../jwk.js'

/**
 * RFC 5208 §5 PrivateKeyInfo of an id-ecPublicKey on prime256v1 (RFC 5480 §2.1.1), whose key is an
 * RFC 5915 §3 ECPrivateKey of version 1 with the 32-byte scalar and neither the optional parameters
 * nor the public key: everything but the scalar, which follows.
 */
const PKCS8_PREFIX = Uint8Array.of(
  0x30,
  0x41,
  0x02,
  0x01,
  0x00,
  0x30,
  0x13,
  0x06,
  0x07,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x02,
  0x01,
  0x06,
  0x08,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x03,
  0x01,
  0x07,
  0x04,
  0x27,
  0x30,
  0x25,
  0x02,
  0x01,
  0x01,
  0x04,
  0x20,
)

/**
 * The 65-byte uncompressed point of a valid 32-byte private scalar: WebCrypto imports it as PKCS #8
 * without its public key, computes that key (Chromium, Deno, Bun, workerd and Node do), and exports
 * it in the JWK's `x` and `y`, checked to be on the curve.
 * Rejects where the implementation refuses such a key (Firefox does, with an OperationError).
 */
export async function webcryptoPublicKey(privateKey: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const der = new Uint8Array(PKCS8_PREFIX.length + 32)
  der.set(PKCS8_PREFIX)
  der.set(privateKey, PKCS8_PREFIX.length)
  try {
    const key = await globalThis.crypto.subtle.importKey('pkcs8', der, { name: 'ECDH', namedCurve: 'P-256' }, true, [
      'deriveBits',
    ])
    return jwkToPoint(await globalThis.crypto.subtle.exportKey('jwk', key), 'the derived public key')
  } finally {
    der.fill(0)
  }
}
