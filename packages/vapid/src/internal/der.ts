/**
 * The little DER (ITU-T X.690) this repository needs, written once: a reader of the definite-length
 * TLVs in a key, and a writer of the elements of keys and self-signed certificates. Only the subset
 * needed: single-byte tags (tag numbers below 31), definite lengths, no indefinite forms. The writer
 * is published to the other @wp packages as `@wp/vapid/der`.
 */
import { concatBytes, WebPushError } from '@wp/ece/utils'

/**
 * Universal tags (X.690 §8; SEQUENCE and SET with the constructed bit, 0x20, set).
 * @example
 * tlv(TAG.IA5_STRING, bytes)
 */
export const TAG: {
  readonly BOOLEAN: 0x01
  readonly INTEGER: 0x02
  readonly BIT_STRING: 0x03
  readonly OCTET_STRING: 0x04
  readonly NULL: 0x05
  readonly OID: 0x06
  readonly UTF8_STRING: 0x0c
  readonly PRINTABLE_STRING: 0x13
  readonly IA5_STRING: 0x16
  readonly UTC_TIME: 0x17
  readonly GENERALIZED_TIME: 0x18
  readonly SEQUENCE: 0x30
  readonly SET: 0x31
} = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
}

function argument(message: string): WebPushError {
  return new WebPushError('ERR_WP_INVALID_ARGUMENT', message)
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * One DER element: `tag`, the length of the concatenated `parts`, then the parts.
 *
 * X.690 §10.1: DER uses the definite form with the fewest length octets: one octet below 0x80,
 * else 0x80 | n followed by n big-endian octets (0x81 for 0x80-0xff, 0x82 up to 0xffff, 0x83 up to
 * 0xffffff, ...).
 * @param tag a single-octet tag: a {@link TAG}, or a context-specific `0x80 | n` / `0xa0 | n`
 * @returns the encoding, in a fresh buffer
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a tag that is not one octet with a tag number below 31
 * @example
 * tlv(TAG.OCTET_STRING, Uint8Array.of(1, 2)) // 04 02 01 02
 * tlv(TAG.SEQUENCE, tlv(TAG.NULL))           // 30 02 05 00
 */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  // X.690 §8.1.2.4: tag number 31 (0x1f in the low bits) means "more tag octets follow".
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f)
    throw argument(`a DER tag must be one octet with a tag number below 31, got ${tag}`)
  let length = 0
  for (const part of parts) length += part.length
  let header: Uint8Array
  if (length < 0x80) header = Uint8Array.of(tag, length)
  else {
    const octets: number[] = []
    for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256)
    header = Uint8Array.of(tag, 0x80 | octets.length, ...octets)
  }
  return concatBytes(header, ...parts)
}

/**
 * A SEQUENCE (X.690 §8.9) of the given encoded elements, in order.
 * @example
 * sequence(oid('1.2.840.10045.4.3.2')) // the AlgorithmIdentifier of ecdsa-with-SHA256
 */
export function sequence(...elements: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return tlv(TAG.SEQUENCE, ...elements)
}

/**
 * A SET OF (X.690 §8.12) the given encoded elements. X.690 §11.6: DER orders them by their
 * encodings, as octet strings (a shorter one first when it is a prefix of a longer one).
 * @example
 * set(sequence(oid('2.5.4.3'), utf8String('localhost'))) // a RelativeDistinguishedName, CN=localhost
 */
export function set(...elements: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const sorted = [...elements].sort(compareBytes)
  return tlv(TAG.SET, ...sorted)
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  return a.length - b.length
}

/**
 * A non-negative INTEGER (X.690 §8.3), from a number, a bigint or the unsigned big-endian bytes of
 * its magnitude (a serial number, an ECDSA `r`). X.690 §8.3.2: the fewest octets, so leading zero
 * octets are dropped, and one zero octet is put back in front of a first octet of 0x80 or more,
 * which would otherwise read as negative.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a negative or non-integer number
 * @example
 * integer(2)                       // 02 01 02 (an X.509 v3 version)
 * integer(Uint8Array.of(0x80, 1)) // 02 03 00 80 01
 */
export function integer(value: number | bigint | Uint8Array): Uint8Array<ArrayBuffer> {
  let bytes: Uint8Array
  if (value instanceof Uint8Array) bytes = value
  else {
    if (typeof value === 'number' && !Number.isSafeInteger(value))
      throw argument(`a DER INTEGER must be a safe integer, got ${value}`)
    let n = BigInt(value)
    if (n < 0n) throw argument('a DER INTEGER here must not be negative')
    const octets: number[] = []
    for (; n > 0n; n >>= 8n) octets.unshift(Number(n & 0xffn))
    bytes = Uint8Array.from(octets)
  }
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  const magnitude = bytes.subarray(start)
  if (magnitude.length === 0) return tlv(TAG.INTEGER, Uint8Array.of(0))
  return (magnitude[0] as number) >= 0x80 ? tlv(TAG.INTEGER, Uint8Array.of(0), magnitude) : tlv(TAG.INTEGER, magnitude)
}

/**
 * An OBJECT IDENTIFIER (X.690 §8.19) from its dotted form: the first two arcs as 40 × a + b, then
 * each arc in base 128, high bit set on every octet but the last.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for text that is not an OID (first arc 0-2, second
 *   below 40 under 0 and 1, at least two arcs)
 * @example
 * oid('1.2.840.10045.2.1') // 06 07 2a 86 48 ce 3d 02 01 (id-ecPublicKey)
 */
export function oid(dotted: string): Uint8Array<ArrayBuffer> {
  if (typeof dotted !== 'string' || dotted.length > 256 || !/^\d+(?:\.\d+)+$/.test(dotted))
    throw argument('an OID must be dotted decimal arcs, such as 1.2.840.10045.2.1')
  const arcs = dotted.split('.').map((arc) => BigInt(arc))
  const [first, second] = arcs as [bigint, bigint]
  if (first > 2n || (first < 2n && second >= 40n))
    throw argument('an OID starts with 0, 1 or 2, and under 0 and 1 the second arc is below 40')
  const out: number[] = []
  for (const arc of [first * 40n + second, ...arcs.slice(2)]) {
    const base128: number[] = [Number(arc & 0x7fn)]
    for (let n = arc >> 7n; n > 0n; n >>= 7n) base128.unshift(Number(n & 0x7fn) | 0x80)
    out.push(...base128)
  }
  return tlv(TAG.OID, Uint8Array.from(out))
}

/**
 * A BIT STRING (X.690 §8.6) of whole octets: the unused-bits octet 0, then `bytes`.
 * @example
 * bitString(signature) // a certificate's signatureValue
 */
export function bitString(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(TAG.BIT_STRING, Uint8Array.of(0), bytes)
}

/**
 * An OCTET STRING (X.690 §8.7) holding the concatenated `parts` (an encoded element, for an X.509 extension's value).
 * @example
 * sequence(oid('2.5.29.17'), octetString(sequence(implicit(2, dnsName)))) // a subjectAltName extension
 */
export function octetString(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return tlv(TAG.OCTET_STRING, ...parts)
}

/**
 * A BOOLEAN (X.690 §8.2); X.690 §11.1: DER writes TRUE as 0xff.
 * @example
 * boolean(true) // 01 01 ff
 */
export function boolean(value: boolean): Uint8Array<ArrayBuffer> {
  return tlv(TAG.BOOLEAN, Uint8Array.of(value ? 0xff : 0))
}

/**
 * A UTF8String (X.690 §8.23) of `text`.
 * @example
 * utf8String('localhost') // 0c 09 6c 6f 63 61 6c 68 6f 73 74
 */
export function utf8String(text: string): Uint8Array<ArrayBuffer> {
  return tlv(TAG.UTF8_STRING, new TextEncoder().encode(text))
}

/**
 * A certificate validity time (RFC 5280 §4.1.2.5): UTCTime `YYMMDDHHMMSSZ` for the years 1950 to
 * 2049, GeneralizedTime `YYYYMMDDHHMMSSZ` from 2050, in UTC, to the second (milliseconds dropped).
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for an invalid Date or a year outside 1950-9999
 * @example
 * sequence(time(notBefore), time(notAfter)) // a certificate's Validity
 */
export function time(date: Date): Uint8Array<ArrayBuffer> {
  const ms = date instanceof Date ? date.getTime() : Number.NaN
  const year = new Date(ms).getUTCFullYear()
  if (!Number.isFinite(ms) || year < 1950 || year > 9999)
    throw argument('a certificate time must be a valid Date from 1950 to 9999')
  const iso = new Date(ms).toISOString() // 2026-01-02T03:04:05.678Z
  const rest = `${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
  return year < 2050
    ? tlv(TAG.UTC_TIME, latin1(`${iso.slice(2, 4)}${rest}`))
    : tlv(TAG.GENERALIZED_TIME, latin1(`${iso.slice(0, 4)}${rest}`))
}

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0))
}

/**
 * A context-specific constructed element `[n]` (0xa0 | n), as EXPLICIT tagging writes it: a certificate's `[0]` version, `[3]` extensions.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a tag number outside 0-30
 * @example
 * explicit(0, integer(2)) // a0 03 02 01 02: X.509 version 3
 */
export function explicit(tagNumber: number, ...elements: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return tlv(0xa0 | contextNumber(tagNumber), ...elements)
}

/**
 * A context-specific primitive element `[n]` (0x80 | n), as IMPLICIT tagging of a primitive type writes it: a GeneralName's `[2]` dNSName, `[7]` iPAddress.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a tag number outside 0-30
 * @example
 * implicit(7, Uint8Array.of(127, 0, 0, 1)) // 87 04 7f 00 00 01: iPAddress 127.0.0.1
 */
export function implicit(tagNumber: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(0x80 | contextNumber(tagNumber), content)
}

function contextNumber(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw argument(`a context tag number is from 0 to 30, got ${n}`)
  return n
}

// ---------------------------------------------------------------------------------------------
// Reading

/** One element read from DER. */
export interface DerElement {
  tag: number
  /** The content octets (a view into the input). */
  value: Uint8Array
  /** The offset just past this element. */
  end: number
}

/**
 * Reads the element at `offset`. X.690 §8.1.3: a definite length, in one octet or in 0x80 | n
 * followed by n octets; at most 3 length octets (16 MiB), far more than a key holds.
 * @param invalid makes the error for malformed input (the reader knows no error code of its own)
 */
export function readElement(bytes: Uint8Array, offset: number, invalid: (detail: string) => WebPushError): DerElement {
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

/** The elements inside a constructed element, in order. */
export function readChildren(element: DerElement, invalid: (detail: string) => WebPushError): DerElement[] {
  const out: DerElement[] = []
  let offset = 0
  while (offset < element.value.length) {
    const child = readElement(element.value, offset, invalid)
    out.push(child)
    offset = child.end
  }
  return out
}
