/**
 * P-256 keys in DER: SEC 1 ECPrivateKey (RFC 5915), PKCS #8 PrivateKeyInfo (RFC 5958) and
 * SubjectPublicKeyInfo (RFC 5480), read and written with the DER of `der.ts`.
 */
import { concatBytes, equalBytes, WebPushError } from '@wp/ece/utils'
import {
  bitString,
  type DerElement,
  explicit,
  integer,
  octetString,
  oid,
  readChildren,
  readElement,
  sequence,
  TAG,
} from './der.js'

/** 1.2.840.10045.2.1 id-ecPublicKey (RFC 5480 §2.1.1): the content octets of the OID. */
const ID_EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01)
/** 1.2.840.10045.3.1.7 secp256r1 / prime256v1 (RFC 5480 §2.1.1.1): the content octets of the OID. */
const SECP256R1 = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07)
const KNOWN_ALGORITHMS: Record<string, string> = {
  '2a864886f70d010101': 'an RSA key',
  '2b6570': 'an Ed25519 key',
  '2b6571': 'an Ed448 key',
  '2a8648ce380401': 'a DSA key',
}
const KNOWN_CURVES: Record<string, string> = {
  '2b81040022': 'P-384',
  '2b81040023': 'P-521',
  '2b8104000a': 'secp256k1',
}

function invalid(detail: string): WebPushError {
  return new WebPushError('ERR_WP_VAPID_KEY', `the key is not a valid DER-encoded P-256 key: ${detail}`)
}

const read = (bytes: Uint8Array, offset: number): DerElement => readElement(bytes, offset, invalid)
const children = (element: DerElement): DerElement[] => readChildren(element, invalid)

function hex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

/** Checks an AlgorithmIdentifier is id-ecPublicKey on P-256, naming what it is otherwise. */
function checkAlgorithm(element: DerElement | undefined): void {
  if (element?.tag !== TAG.SEQUENCE) throw invalid('no algorithm identifier')
  const [algorithm, params] = children(element)
  if (algorithm?.tag !== TAG.OID) throw invalid('no algorithm identifier')
  if (!equalBytes(algorithm.value, ID_EC_PUBLIC_KEY)) {
    const what = KNOWN_ALGORITHMS[hex(algorithm.value)] ?? 'not an elliptic-curve key'
    throw new WebPushError('ERR_WP_VAPID_KEY', `VAPID needs a P-256 (prime256v1) EC key; this is ${what}`)
  }
  checkCurve(params)
}

/** RFC 5480 §2.1.1: the parameters are a namedCurve; RFC 5915 §3 allows them in ECPrivateKey too. */
function checkCurve(params: DerElement | undefined): void {
  if (params === undefined) return
  if (params.tag !== TAG.OID)
    throw invalid('explicit curve parameters are not supported; use the named curve prime256v1')
  if (!equalBytes(params.value, SECP256R1)) {
    const curve = KNOWN_CURVES[hex(params.value)] ?? 'another curve'
    throw new WebPushError('ERR_WP_VAPID_KEY', `VAPID needs a P-256 (prime256v1) key; this key is on ${curve}`)
  }
}

/** A key read from DER: the private scalar (absent for a public key) and the public point if present. */
export interface DerKey {
  privateKey?: Uint8Array
  publicKey?: Uint8Array
}

/** RFC 5915 §3 ECPrivateKey: SEQUENCE { 1, OCTET STRING d, [0] curve OPTIONAL, [1] BIT STRING Q OPTIONAL }. */
function readEcPrivateKey(element: DerElement): DerKey {
  if (element.tag !== TAG.SEQUENCE) throw invalid('ECPrivateKey is not a SEQUENCE')
  const [version, d, ...rest] = children(element)
  if (version?.tag !== TAG.INTEGER || version.value.length !== 1 || version.value[0] !== 1)
    throw invalid('ECPrivateKey version is not 1')
  if (d?.tag !== TAG.OCTET_STRING) throw invalid('no private key octets')
  let privateKey = d.value
  // Some encoders keep a leading zero or drop leading zeros: normalise to 32 bytes.
  if (privateKey.length > 32) {
    if (privateKey.subarray(0, privateKey.length - 32).some((b) => b !== 0))
      throw new WebPushError(
        'ERR_WP_VAPID_KEY',
        `VAPID needs a P-256 key; this private key is ${privateKey.length} bytes`,
      )
    privateKey = privateKey.subarray(privateKey.length - 32)
  } else if (privateKey.length < 32) {
    if (privateKey.length < 20)
      throw new WebPushError(
        'ERR_WP_VAPID_KEY',
        `VAPID needs a P-256 key; this private key is ${privateKey.length} bytes`,
      )
    privateKey = concatBytes(new Uint8Array(32 - privateKey.length), privateKey)
  }
  const out: DerKey = { privateKey }
  for (const field of rest) {
    if (field.tag === 0xa0) checkCurve(children(field)[0])
    else if (field.tag === 0xa1) {
      const bits = children(field)[0]
      if (bits?.tag !== TAG.BIT_STRING || bits.value[0] !== 0) throw invalid('bad public key bit string')
      out.publicKey = bits.value.subarray(1)
    }
  }
  return out
}

/**
 * Reads a DER key: PKCS #8 PrivateKeyInfo, SEC 1 ECPrivateKey or SubjectPublicKeyInfo.
 * @throws WebPushError `ERR_WP_VAPID_KEY`, naming RSA, Ed25519, other curves and malformed input
 */
export function readDerKey(bytes: Uint8Array): DerKey {
  const top = read(bytes, 0)
  if (top.tag !== TAG.SEQUENCE || top.end !== bytes.length) throw invalid('not a single DER SEQUENCE')
  const [first, second, third] = children(top)
  // RFC 5480 §2: SubjectPublicKeyInfo: SEQUENCE { AlgorithmIdentifier, BIT STRING }
  if (first?.tag === TAG.SEQUENCE && second?.tag === TAG.BIT_STRING) {
    checkAlgorithm(first)
    if (second.value[0] !== 0) throw invalid('bad public key bit string')
    return { publicKey: second.value.subarray(1) }
  }
  if (first?.tag === TAG.INTEGER && first.value.length === 1) {
    // RFC 5958 §2: PKCS #8: SEQUENCE { 0, AlgorithmIdentifier, OCTET STRING { ECPrivateKey } }
    if (first.value[0] === 0 && second?.tag === TAG.SEQUENCE) {
      checkAlgorithm(second)
      if (third?.tag !== TAG.OCTET_STRING) throw invalid('no private key in PKCS #8')
      return readEcPrivateKey(read(third.value, 0))
    }
    if (first.value[0] === 1 && second?.tag === TAG.OCTET_STRING) return readEcPrivateKey(top)
    // PKCS #1 RSAPrivateKey starts with version 0 then INTEGER modulus.
    if (first.value[0] === 0 && second?.tag === TAG.INTEGER)
      throw new WebPushError('ERR_WP_VAPID_KEY', 'VAPID needs a P-256 (prime256v1) EC key; this is an RSA key')
  }
  throw invalid('not a PKCS #8, SEC 1 or SubjectPublicKeyInfo structure')
}

const algorithm = (): Uint8Array => sequence(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7'))

/** SEC 1 ECPrivateKey (RFC 5915 §3) with the curve and the public key, as `openssl ec` writes it. */
export function writeSec1(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  return sequence(
    integer(1),
    octetString(privateKey),
    explicit(0, oid('1.2.840.10045.3.1.7')),
    explicit(1, bitString(publicKey)),
  )
}

/** PKCS #8 PrivateKeyInfo (RFC 5958 §2) around an ECPrivateKey without the (redundant) curve, as OpenSSL 3 writes it. */
export function writePkcs8(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  const ecPrivateKey = sequence(integer(1), octetString(privateKey), explicit(1, bitString(publicKey)))
  return sequence(integer(0), algorithm(), octetString(ecPrivateKey))
}

/** SubjectPublicKeyInfo (RFC 5480 §2) of a P-256 point. */
export function writeSpki(publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  return sequence(algorithm(), bitString(publicKey))
}
