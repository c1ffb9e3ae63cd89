/**
 * A self-signed TLS certificate for the local service, made at start-up: P-256, ECDSA with
 * SHA-256, valid for `localhost`, 127.0.0.1 and ::1 for a year (RFC 5280 structures, DER-encoded).
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'

function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const value = Buffer.concat(parts)
  const n = value.length
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  return Buffer.concat([Buffer.from([tag, ...length]), value])
}
const seq = (...parts: Uint8Array[]) => tlv(0x30, ...parts)
const oid = (...bytes: number[]) => tlv(0x06, Buffer.from(bytes))
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'))
const OID_ECDSA_SHA256 = oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02)
const OID_CN = oid(0x55, 0x04, 0x03)
const OID_SAN = oid(0x55, 0x1d, 0x11)
const OID_BASIC_CONSTRAINTS = oid(0x55, 0x1d, 0x13)
const OID_SUBJECT_KEY_ID = oid(0x55, 0x1d, 0x0e)

/** UTCTime (RFC 5280 §4.1.2.5.1) for dates before 2050. */
function time(date: Date): Buffer {
  const iso = date.toISOString() // 2026-01-02T03:04:05.678Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
  return tlv(0x17, Buffer.from(text, 'latin1'))
}

export interface SelfSignedCertificate {
  /** The certificate, PEM. */
  cert: string
  /** Its private key, PKCS #8 PEM. */
  key: string
  /** SHA-256 fingerprint of the certificate, colon-separated hex. */
  fingerprint: string
}

/** Makes a fresh self-signed certificate for `localhost`, 127.0.0.1 and ::1 (plus `hosts`). */
export function selfSignedCertificate(hosts: string[] = []): SelfSignedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const name = seq(tlv(0x31, seq(OID_CN, utf8('wp-push-service local'))))
  const now = Date.now()
  const serial = randomBytes(16)
  // RFC 5280 §4.1.2.2: a positive INTEGER. X.690 DER forbids a redundant leading 0x00 octet, and OpenSSL
  // refuses one ("illegal padding"): so the top byte is 0x40-0x7f, never 0x00.
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40
  const altNames: Buffer[] = [
    tlv(0x82, Buffer.from('localhost')),
    tlv(0x87, Buffer.from([127, 0, 0, 1])),
    tlv(0x87, Buffer.alloc(16, 0).fill(1, 15)),
  ]
  for (const host of hosts) {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) altNames.push(tlv(0x87, Buffer.from(host.split('.').map(Number))))
    else if (host !== 'localhost' && !host.includes(':')) altNames.push(tlv(0x82, Buffer.from(host)))
  }
  const keyId = createHash('sha1').update(spki).digest()
  const extensions = tlv(
    0xa3,
    seq(
      seq(OID_BASIC_CONSTRAINTS, tlv(0x01, Buffer.from([0xff])), tlv(0x04, seq(tlv(0x01, Buffer.from([0xff]))))),
      seq(OID_SUBJECT_KEY_ID, tlv(0x04, tlv(0x04, keyId))),
      seq(OID_SAN, tlv(0x04, seq(...altNames))),
    ),
  )
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // version v3
    tlv(0x02, serial),
    seq(OID_ECDSA_SHA256),
    name,
    seq(time(new Date(now - 60_000)), time(new Date(now + 365 * 24 * 3600 * 1000))),
    name,
    spki,
    extensions,
  )
  const signature = sign('sha256', tbs, privateKey) // DER-encoded ECDSA-Sig-Value
  const der = seq(tbs, seq(OID_ECDSA_SHA256), tlv(0x03, Buffer.from([0]), signature))
  const pem = `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)
    ?.join('\n')}\n-----END CERTIFICATE-----\n`
  const fingerprint = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)?.join(':') ?? ''
  return { cert: pem, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, fingerprint }
}
