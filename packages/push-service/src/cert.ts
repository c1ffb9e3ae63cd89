/**
 * A self-signed TLS certificate for the local service, made at start-up: P-256, ECDSA with SHA-256,
 * valid for `localhost`, 127.0.0.1 and ::1 for a year. The structures are RFC 5280's, written with
 * `@wp/vapid`'s DER writer.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { describeValue, WebPushError } from '@wp/ece/utils'
import {
  bitString,
  boolean,
  explicit,
  implicit,
  integer,
  octetString,
  oid,
  sequence,
  set,
  time,
  toPem,
  utf8String,
} from '@wp/vapid/der'

/** RFC 5758 §3.2: ecdsa-with-SHA256. */
const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'))
/** RFC 5280 §4.1.2.4: the subject and issuer, one common name. */
const NAME = sequence(set(sequence(oid('2.5.4.3'), utf8String('wp-push-service local'))))
/** RFC 5280 §4.2.1.6: GeneralName's dNSName [2] and iPAddress [7]. */
const dnsName = (name: string) => implicit(2, new TextEncoder().encode(name))
const ipAddress = (octets: Uint8Array) => implicit(7, octets)
/** The names every certificate has; a host among them is not added again. */
const BUILT_IN = ['localhost', '127.0.0.1', '::1']
const IPV4 = /^\d+\.\d+\.\d+\.\d+$/
const YEAR_MS = 365 * 24 * 3600 * 1000

/** A certificate and its key. */
export interface SelfSignedCertificate {
  /** The certificate, PEM. */
  cert: string
  /** Its private key, PKCS #8 PEM. */
  key: string
  /** SHA-256 fingerprint of the certificate, colon-separated upper-case hex. */
  fingerprint: string
}

/**
 * Makes a fresh self-signed certificate (and key) for `localhost`, 127.0.0.1 and ::1, plus `hosts`
 * (host names and IPv4 addresses; other IPv6 addresses are left out). `startPushService({ tls: true })`
 * makes one for its host; this is for other local servers that need one.
 * @param hosts more names the certificate is for
 * @returns the certificate and its key (PEM), and the certificate's SHA-256 fingerprint
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` when `hosts` is not an array of strings
 * @example
 * const { cert, key } = selfSignedCertificate()
 * const server = https.createServer({ cert, key }, handler) // a client trusts it with { ca: cert }
 */
export function selfSignedCertificate(hosts: string[] = []): SelfSignedCertificate {
  if (!Array.isArray(hosts) || !hosts.every((host) => typeof host === 'string'))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `hosts must be an array of strings, got ${describeValue(hosts)}`)
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const now = Date.now()
  const serial = randomBytes(16)
  // RFC 5280 §4.1.2.2: a positive INTEGER of at most 20 octets. A top octet of 0x40-0x7f keeps it
  // positive with no leading 0x00 and every serial 16 octets long.
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40
  const ipv6Loopback = new Uint8Array(16)
  ipv6Loopback[15] = 1
  const altNames = [dnsName('localhost'), ipAddress(Uint8Array.of(127, 0, 0, 1)), ipAddress(ipv6Loopback)]
  for (const host of hosts) {
    if (BUILT_IN.includes(host)) continue
    if (IPV4.test(host)) altNames.push(ipAddress(Uint8Array.from(host.split('.').map(Number))))
    else if (!host.includes(':')) altNames.push(dnsName(host))
  }
  // RFC 5280 §4.2.1.2: the key identifier, method (1): SHA-1 of the key.
  const keyId = createHash('sha1').update(spki).digest()
  const extensions = explicit(
    3,
    sequence(
      // RFC 5280 §4.2.1.9: basicConstraints, critical, cA TRUE.
      sequence(oid('2.5.29.19'), boolean(true), octetString(sequence(boolean(true)))),
      sequence(oid('2.5.29.14'), octetString(octetString(keyId))),
      sequence(oid('2.5.29.17'), octetString(sequence(...altNames))),
    ),
  )
  const tbs = sequence(
    explicit(0, integer(2)), // version v3
    integer(serial),
    ECDSA_WITH_SHA256,
    NAME,
    sequence(time(new Date(now - 60_000)), time(new Date(now + YEAR_MS))),
    NAME,
    spki,
    extensions,
  )
  const signature = sign('sha256', tbs, privateKey) // DER-encoded ECDSA-Sig-Value
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature))
  const fingerprint = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)?.join(':') ?? ''
  return {
    cert: toPem('CERTIFICATE', der),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    fingerprint,
  }
}
