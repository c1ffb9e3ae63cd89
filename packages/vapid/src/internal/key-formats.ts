/**
 * Reading a P-256 key from every format VAPID keys come in: PEM (RFC 7468) around PKCS #8, SEC 1 or
 * SubjectPublicKeyInfo DER, DER as bytes or text, the raw scalar, a JWK (RFC 7517, RFC 7518 §6.2),
 * and the `{ privateKey, publicKey }` pair of web-push. The readers return the key's numbers;
 * `keys.ts` checks them (the scalar's range, a public key matching the private one) and makes the
 * `VapidKey`. They throw the lower layers' codes too (`ERR_WP_BASE64URL`, `ERR_WP_KEY_LENGTH`, ...),
 * which `keys.ts` reports as `ERR_WP_VAPID_KEY`.
 */
import {
  base64Decode,
  base64urlDecode,
  equalBytes,
  isBytes,
  jwkToPoint,
  toPublicKey,
  WebPushError,
} from '@wp/ece/utils'
import { readDerKey } from './key-der.js'
import { readPemBlocks } from './pem.js'

/**
 * The largest key input read: 64 KiB, in bytes or characters of text. A P-256 key is under 300 bytes
 * in any format; the rest leaves room for comments, parameters and certificates around it, and bounds
 * the work any input, or any file, can cause.
 */
export const MAX_KEY_INPUT_BYTES: number = 64 * 1024

/** A private key read from its format: the 32-byte scalar, and the public point given beside it, if any. */
export interface PrivateKeyNumbers {
  privateKey: Uint8Array
  publicKey?: Uint8Array | undefined
}

/**
 * Refuses a string or bytes larger than {@link MAX_KEY_INPUT_BYTES} before anything reads them.
 * @throws WebPushError `ERR_WP_VAPID_KEY`
 */
export function checkInputSize(input: unknown): void {
  const size = typeof input === 'string' || isBytes(input) ? input.length : 0
  if (size > MAX_KEY_INPUT_BYTES)
    throw new WebPushError(
      'ERR_WP_VAPID_KEY',
      `a key input must be at most ${MAX_KEY_INPUT_BYTES} bytes (a P-256 key is far smaller); got ${size}`,
    )
}

/** The error of a public key given beside a private key it does not belong to. */
export function mismatch(): WebPushError {
  return new WebPushError('ERR_WP_VAPID_KEY', 'the public key given does not match the private key')
}

/** Public-only input where a private key is needed. */
function publicOnly(what: string): WebPushError {
  return new WebPushError('ERR_WP_VAPID_KEY', `${what} is a public key; VAPID signing needs the private key`)
}

function fromDer(der: Uint8Array): PrivateKeyNumbers {
  const key = readDerKey(der)
  if (key.privateKey === undefined) throw publicOnly('the DER key')
  return { privateKey: key.privateKey, publicKey: key.publicKey }
}

function fromJwk(jwk: Record<string, unknown>): PrivateKeyNumbers {
  if (jwk.kty !== 'EC')
    throw new WebPushError(
      'ERR_WP_VAPID_KEY',
      `VAPID needs an EC P-256 JWK; this JWK has kty ${JSON.stringify(jwk.kty)}`,
    )
  if (jwk.crv !== 'P-256')
    throw new WebPushError('ERR_WP_VAPID_KEY', `VAPID needs a P-256 key; this JWK is on ${JSON.stringify(jwk.crv)}`)
  if (typeof jwk.d !== 'string') throw publicOnly('the JWK (it has no "d")')
  // RFC 7518 §6.2.2.1: "d" is exactly as long as the order of the curve: 32 bytes for P-256.
  const privateKey = base64urlDecode(jwk.d, 'the JWK "d"')
  if (privateKey.length !== 32)
    throw new WebPushError('ERR_WP_VAPID_KEY', `the JWK "d" must be 32 bytes, got ${privateKey.length}`)
  // RFC 7518 §6.2.1.2-§6.2.1.3: "x" and "y", when given, are each exactly 32 bytes (never padded or cut).
  const publicKey = jwk.x !== undefined || jwk.y !== undefined ? jwkToPoint(jwk, 'the JWK') : undefined
  return { privateKey, publicKey }
}

function fromPem(text: string): PrivateKeyNumbers {
  const blocks = readPemBlocks(text)
  const block =
    blocks.find((b) => b.label === 'PRIVATE KEY' || b.label === 'EC PRIVATE KEY') ??
    blocks.find((b) => b.label !== 'EC PARAMETERS')
  if (block === undefined) throw new WebPushError('ERR_WP_VAPID_KEY', 'the PEM text has no key block')
  if (block.label === 'PUBLIC KEY') throw publicOnly('the PEM key')
  if (block.label === 'RSA PRIVATE KEY')
    throw new WebPushError('ERR_WP_VAPID_KEY', 'VAPID needs a P-256 (prime256v1) EC key; this is an RSA key')
  if (block.label === 'ENCRYPTED PRIVATE KEY')
    throw new WebPushError(
      'ERR_WP_VAPID_KEY',
      'encrypted PEM keys are not supported; export the key without a passphrase',
    )
  if (block.label !== 'PRIVATE KEY' && block.label !== 'EC PRIVATE KEY')
    throw new WebPushError('ERR_WP_VAPID_KEY', `a PEM "${block.label}" block is not a VAPID private key`)
  return fromDer(block.der)
}

/**
 * DER given as text, or a raw scalar in base64url: standard base64 (RFC 4648 §4) when it has a `+`
 * or a `/`, base64url (§5) otherwise; padded or not, with no whitespace inside.
 */
function decodeDerText(text: string): Uint8Array {
  return /[+/]/.test(text) ? base64Decode(text, 'the key') : base64urlDecode(text, 'the key')
}

function fromBytes(bytes: Uint8Array, what: string): PrivateKeyNumbers {
  if (bytes.length === 32) return { privateKey: bytes }
  if (bytes[0] === 0x30) return fromDer(bytes)
  if (bytes.length === 65 && bytes[0] === 0x04) throw publicOnly(what)
  throw new WebPushError(
    'ERR_WP_VAPID_KEY',
    `${what} is ${bytes.length} bytes: neither a raw 32-byte P-256 private key nor DER`,
  )
}

/**
 * Reads a private key in any format: PEM, DER bytes or text, a raw scalar, a JWK or its JSON text,
 * or a `{ privateKey, publicKey }` pair, whose public key must match one given inside the private key.
 * @throws WebPushError `ERR_WP_VAPID_KEY`, naming what the input is when it is no private P-256 key,
 *   and the lower layers' codes for malformed parts
 */
export function readPrivateKey(input: unknown): PrivateKeyNumbers {
  checkInputSize(input)
  if (isBytes(input)) return fromBytes(input, 'the key')
  if (typeof input === 'string') {
    const text = input.trim()
    if (text.includes('-----BEGIN')) return fromPem(text)
    if (text.startsWith('{')) {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        throw new WebPushError('ERR_WP_VAPID_KEY', 'the key text starts with "{" but is not valid JSON')
      }
      return readPrivateKey(parsed)
    }
    if (text === '') throw new WebPushError('ERR_WP_VAPID_KEY', 'the key is an empty string')
    return fromBytes(decodeDerText(text), 'the key')
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const record = input as Record<string, unknown>
    if ('kty' in record) return fromJwk(record)
    if ('privateKey' in record) {
      const { privateKey, publicKey } = record
      if (typeof privateKey !== 'string' && !isBytes(privateKey))
        throw new WebPushError('ERR_WP_VAPID_KEY', 'privateKey must be a string or a Uint8Array')
      const inner = readPrivateKey(privateKey)
      if (publicKey === undefined) return inner
      const given = toPublicKey(
        typeof publicKey === 'string' ? base64urlDecode(publicKey.trim(), 'publicKey') : publicKey,
        'publicKey',
      )
      if (inner.publicKey !== undefined && !equalBytes(inner.publicKey, given)) throw mismatch()
      return { privateKey: inner.privateKey, publicKey: given }
    }
  }
  throw new WebPushError(
    'ERR_WP_VAPID_KEY',
    'a VAPID key must be PEM, DER, a raw 32-byte scalar, a JWK or a { privateKey, publicKey } pair',
  )
}

/**
 * Reads a public key where the input is one: a SubjectPublicKeyInfo PEM or DER (or the public key
 * inside a SEC 1 or PKCS #8 DER), a public JWK, or the 65-byte point as bytes or base64url.
 * @returns the point, checked to be on P-256; `undefined` for a private-key input (a PEM without a
 *   `PUBLIC KEY` block, DER without a public key, a JWK with `d`), whose public half `keys.ts` derives
 * @throws WebPushError `ERR_WP_VAPID_KEY`, and the lower layers' codes for a malformed or off-curve point
 */
export function readPublicKey(input: unknown): Uint8Array | undefined {
  checkInputSize(input)
  if (typeof input === 'string' && input.includes('-----BEGIN')) {
    const block = readPemBlocks(input).find((b) => b.label === 'PUBLIC KEY')
    return block === undefined ? undefined : toPublicKey(readDerKey(block.der).publicKey, 'the public key')
  }
  if (isBytes(input) && input[0] === 0x30) {
    const key = readDerKey(input)
    return key.publicKey === undefined ? undefined : toPublicKey(key.publicKey, 'the public key')
  }
  if (typeof input === 'object' && input !== null && 'kty' in input)
    return typeof (input as { d?: unknown }).d === 'string' ? undefined : jwkToPoint(input, 'the public JWK')
  return toPublicKey(input, 'the public key')
}
