/**
 * The little DER (X.690) this package needs: reading and writing P-256 keys in SEC 1 (RFC 5915),
 * PKCS #8 (RFC 5958) and SubjectPublicKeyInfo (RFC 5480) form.
 */
import { WebPushError } from '@wp/ece'
import { concatBytes } from '@wp/ece/utils'

const SEQUENCE = 0x30
const INTEGER = 0x02
const OCTET_STRING = 0x04
const BIT_STRING = 0x03
const OID = 0x06

/** 1.2.840.10045.2.1 id-ecPublicKey (RFC 5480 §2.1.1). */
const ID_EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01)
/** 1.2.840.10045.3.1.7 secp256r1 / prime256v1 (RFC 5480 §2.1.1.1). */
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

/** One parsed TLV. */
interface Node {
  tag: number
  value: Uint8Array
  /** Offset just past this element. */
  end: number
}

function invalid(detail: string): WebPushError {
  return new WebPushError('ERR_WP_VAPID_KEY', `the key is not a valid DER-encoded P-256 key: ${detail}`)
}

function read(bytes: Uint8Array, offset: number): Node {
  if (offset + 2 > bytes.length) throw invalid('truncated')
  const tag = bytes[offset] as number
  let length = bytes[offset + 1] as number
  let pos = offset + 2
  if (length & 0x80) {
    const n = length & 0x7f
    if (n === 0 || n > 3 || pos + n > bytes.length) throw invalid('bad length')
    length = 0
    for (let i = 0; i < n; i++) length = length * 256 + (bytes[pos++] as number)
  }
  if (pos + length > bytes.length) throw invalid('truncated')
  return { tag, value: bytes.subarray(pos, pos + length), end: pos + length }
}

/** The children of a constructed element. */
function children(node: Node): Node[] {
  const out: Node[] = []
  let offset = 0
  while (offset < node.value.length) {
    const child = read(node.value, offset)
    out.push(child)
    offset = child.end
  }
  return out
}

function hex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

/** Checks an AlgorithmIdentifier is id-ecPublicKey on P-256, naming what it is otherwise. */
function checkAlgorithm(node: Node | undefined): void {
  if (node?.tag !== SEQUENCE) throw invalid('no algorithm identifier')
  const [oid, params] = children(node)
  if (oid?.tag !== OID) throw invalid('no algorithm identifier')
  if (!sameBytes(oid.value, ID_EC_PUBLIC_KEY)) {
    const what = KNOWN_ALGORITHMS[hex(oid.value)] ?? 'not an elliptic-curve key'
    throw new WebPushError('ERR_WP_VAPID_KEY', `VAPID needs a P-256 (prime256v1) EC key; this is ${what}`)
  }
  checkCurve(params)
}

function checkCurve(params: Node | undefined): void {
  if (params === undefined) return
  if (params.tag !== OID) throw invalid('explicit curve parameters are not supported; use the named curve prime256v1')
  if (!sameBytes(params.value, SECP256R1)) {
    const curve = KNOWN_CURVES[hex(params.value)] ?? 'another curve'
    throw new WebPushError('ERR_WP_VAPID_KEY', `VAPID needs a P-256 (prime256v1) key; this key is on ${curve}`)
  }
}

/** A key read from DER: the private scalar (absent for a public key) and the public point if present. */
export interface DerKey {
  privateKey?: Uint8Array
  publicKey?: Uint8Array
}

/** RFC 5915 ECPrivateKey: SEQUENCE { 1, OCTET STRING d, [0] curve OPTIONAL, [1] BIT STRING Q OPTIONAL }. */
function readEcPrivateKey(node: Node): DerKey {
  if (node.tag !== SEQUENCE) throw invalid('ECPrivateKey is not a SEQUENCE')
  const [version, d, ...rest] = children(node)
  if (version?.tag !== INTEGER || version.value.length !== 1 || version.value[0] !== 1)
    throw invalid('ECPrivateKey version is not 1')
  if (d?.tag !== OCTET_STRING) throw invalid('no private key octets')
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
      if (bits?.tag !== BIT_STRING || bits.value[0] !== 0) throw invalid('bad public key bit string')
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
  if (top.tag !== SEQUENCE || top.end !== bytes.length) throw invalid('not a single DER SEQUENCE')
  const items = children(top)
  const [first, second, third] = items
  // SubjectPublicKeyInfo: SEQUENCE { AlgorithmIdentifier, BIT STRING }
  if (first?.tag === SEQUENCE && second?.tag === BIT_STRING) {
    checkAlgorithm(first)
    if (second.value[0] !== 0) throw invalid('bad public key bit string')
    return { publicKey: second.value.subarray(1) }
  }
  if (first?.tag === INTEGER && first.value.length === 1) {
    // PKCS #8: SEQUENCE { 0, AlgorithmIdentifier, OCTET STRING { ECPrivateKey } }
    if (first.value[0] === 0 && second?.tag === SEQUENCE) {
      checkAlgorithm(second)
      if (third?.tag !== OCTET_STRING) throw invalid('no private key in PKCS #8')
      return readEcPrivateKey(read(third.value, 0))
    }
    if (first.value[0] === 1 && second?.tag === OCTET_STRING) return readEcPrivateKey(top)
    // PKCS #1 RSAPrivateKey starts with version 0 then INTEGER modulus.
    if (first.value[0] === 0 && second?.tag === INTEGER)
      throw new WebPushError('ERR_WP_VAPID_KEY', 'VAPID needs a P-256 (prime256v1) EC key; this is an RSA key')
  }
  throw invalid('not a PKCS #8, SEC 1 or SubjectPublicKeyInfo structure')
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const value = concatBytes(...parts)
  const n = value.length
  const length =
    n < 0x80 ? Uint8Array.of(n) : n < 0x100 ? Uint8Array.of(0x81, n) : Uint8Array.of(0x82, n >> 8, n & 0xff)
  return concatBytes(Uint8Array.of(tag), length, value)
}

const algorithm = (): Uint8Array => tlv(SEQUENCE, tlv(OID, ID_EC_PUBLIC_KEY), tlv(OID, SECP256R1))

/** SEC 1 ECPrivateKey with the curve and the public key, as `openssl ec` writes it. */
export function writeSec1(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(
    SEQUENCE,
    tlv(INTEGER, Uint8Array.of(1)),
    tlv(OCTET_STRING, privateKey),
    tlv(0xa0, tlv(OID, SECP256R1)),
    tlv(0xa1, tlv(BIT_STRING, Uint8Array.of(0), publicKey)),
  ) as Uint8Array<ArrayBuffer>
}

/** PKCS #8 PrivateKeyInfo around an ECPrivateKey without the (redundant) curve, as OpenSSL 3 writes it. */
export function writePkcs8(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  const ecPrivateKey = tlv(
    SEQUENCE,
    tlv(INTEGER, Uint8Array.of(1)),
    tlv(OCTET_STRING, privateKey),
    tlv(0xa1, tlv(BIT_STRING, Uint8Array.of(0), publicKey)),
  )
  return tlv(
    SEQUENCE,
    tlv(INTEGER, Uint8Array.of(0)),
    algorithm(),
    tlv(OCTET_STRING, ecPrivateKey),
  ) as Uint8Array<ArrayBuffer>
}

/** SubjectPublicKeyInfo of a P-256 point. */
export function writeSpki(publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(SEQUENCE, algorithm(), tlv(BIT_STRING, Uint8Array.of(0), publicKey)) as Uint8Array<ArrayBuffer>
}

/** PEM armour (RFC 7468) with 64-character lines. */
export function toPem(label: string, der: Uint8Array): string {
  let b64 = ''
  // btoa over a binary string: available in every runtime this package supports.
  let binary = ''
  for (const byte of der) binary += String.fromCharCode(byte)
  b64 = btoa(binary)
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

const BEGIN = '-----BEGIN '
const END = '-----END '
const DASHES = '-----'
const LABEL = /^[A-Z0-9 ]+$/

/**
 * The blocks of a PEM text: label and DER bytes. Standard base64 inside, whitespace ignored (RFC 7468
 * §3); text around and between blocks is skipped. A block runs from its BEGIN line to an END line of
 * the same label before any other BEGIN; a BEGIN without one is skipped.
 *
 * One pass, linear in the length of the text: every search starts where the previous one stopped,
 * and the position of the next END line is kept, so no part of the text is scanned more than a few
 * times, however many BEGIN lines come without an END (a pattern such as
 * `BEGIN (.*?) END \1`, tried at each BEGIN, is quadratic there).
 */
export function readPemBlocks(text: string): { label: string; der: Uint8Array }[] {
  const out: { label: string; der: Uint8Array }[] = []
  let end = -1
  for (let begin = text.indexOf(BEGIN); begin >= 0; ) {
    const labelStart = begin + BEGIN.length
    // The first "-----" after the label is at or before the next BEGIN, which starts with one.
    const labelEnd = text.indexOf(DASHES, labelStart)
    if (labelEnd < 0) break
    const bodyStart = labelEnd + DASHES.length
    const next = text.indexOf(BEGIN, labelStart)
    if (end < bodyStart) end = text.indexOf(END, bodyStart)
    if (end < 0) break
    const label = text.slice(labelStart, labelEnd)
    if ((next < 0 || end < next) && LABEL.test(label) && text.startsWith(`${END}${label}${DASHES}`, end)) {
      const body = text.slice(bodyStart, end)
      // Headers such as "Proc-Type:" mean an encrypted (legacy) PEM.
      if (body.includes(':'))
        throw new WebPushError(
          'ERR_WP_VAPID_KEY',
          'encrypted PEM keys are not supported; export the key without a passphrase',
        )
      out.push({ label, der: decodeBase64(body.replace(/\s+/g, ''), `the PEM ${label} block`) })
    }
    begin = next
  }
  return out
}

/** Standard or URL-safe base64, padded or not (for DER given as text). */
export function decodeBase64(text: string, field: string): Uint8Array {
  // Linear: one character class, then at most two "=" at the very end.
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(text))
    throw new WebPushError('ERR_WP_VAPID_KEY', `${field} is not valid base64`)
  let length = text.length
  while (length > 0 && text.charCodeAt(length - 1) === 61 /* = */) length--
  if (length % 4 === 1) throw new WebPushError('ERR_WP_VAPID_KEY', `${field} is not valid base64`)
  const binary = atob(
    text
      .slice(0, length)
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(length / 4) * 4, '='),
  )
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}
