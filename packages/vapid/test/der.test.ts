/** `@wp/vapid/der`: the DER writer (X.690) and PEM armour (RFC 7468), checked byte by byte and by node:crypto and openssl reading a certificate made with it. */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
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
  TAG,
  time,
  tlv,
  toPem,
  utf8String,
} from '@wp/vapid/der'
import { describe, expect, it } from 'vitest'
import * as fromSource from '../src/der.js'
import { expectCode, openssl, tempDir } from './helpers.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const packageJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'))

describe('the @wp/vapid/der subpath', () => {
  it('is in the exports map like the main entry, and resolves to src/der.ts', () => {
    expect(packageJson.exports['./der']).toEqual({
      '@wp/source': './src/der.ts',
      types: './dist/der.d.ts',
      default: './dist/der.js',
    })
    expect(Object.keys(packageJson.exports['./der'])).toEqual(Object.keys(packageJson.exports['.']))
    expect(tlv).toBe(fromSource.tlv)
    expect(toPem).toBe(fromSource.toPem)
  })
})

describe('tlv: X.690 §10.1 definite lengths in the fewest octets', () => {
  const cases: [number, string][] = [
    [0, '0400'],
    [1, '0401'],
    [0x7f, '047f'],
    [0x80, '048180'],
    [0xff, '0481ff'],
    [0x100, '04820100'],
    [0xffff, '0482ffff'],
    [0x10000, '0483010000'],
    [0x123456, '0483123456'],
  ]
  it.each(cases)('content of %i bytes', (length, header) => {
    const content = randomBytes(length)
    const out = tlv(TAG.OCTET_STRING, content.subarray(0, 3), content.subarray(3))
    expect(hex(out.subarray(0, header.length / 2))).toBe(header)
    expect(out.length).toBe(header.length / 2 + length)
    expect(Buffer.from(out.subarray(header.length / 2)).equals(content)).toBe(true)
  })

  it('refuses a tag that is not one octet with a tag number below 31', async () => {
    for (const tag of [-1, 256, 0x1f, 0x3f, 0xbf, 1.5, Number.NaN])
      await expectCode(() => tlv(tag, new Uint8Array(1)), 'ERR_WP_INVALID_ARGUMENT')
  })
})

describe('the elements a key or a certificate needs', () => {
  it('INTEGER: the fewest octets, non-negative (X.690 §8.3.2)', async () => {
    const cases: [number | bigint | Uint8Array, string][] = [
      [0, '020100'],
      [1, '020101'],
      [2, '020102'],
      [127, '02017f'],
      [128, '02020080'],
      [256, '02020100'],
      [Number.MAX_SAFE_INTEGER, '02071fffffffffffff'],
      [2n ** 64n, '0209010000000000000000'],
      [new Uint8Array(0), '020100'],
      [Uint8Array.of(0, 0, 0), '020100'],
      [Uint8Array.of(0, 0, 1), '020101'],
      [Uint8Array.of(0x80, 1), '0203008001'],
      [Uint8Array.of(0, 0x80), '02020080'],
      [Uint8Array.of(0x7f, 0xff), '02027fff'],
    ]
    for (const [value, want] of cases) expect(hex(integer(value)), String(value)).toBe(want)
    for (const value of [-1, -1n, 1.5, Number.NaN, 2 ** 53])
      await expectCode(() => integer(value), 'ERR_WP_INVALID_ARGUMENT')
  })

  it('OBJECT IDENTIFIER: 40 × a + b, then base 128 (X.690 §8.19)', async () => {
    const cases: [string, string][] = [
      ['1.2.840.10045.2.1', '06072a8648ce3d0201'],
      ['1.2.840.10045.3.1.7', '06082a8648ce3d030107'],
      ['1.2.840.10045.4.3.2', '06082a8648ce3d040302'],
      ['2.5.4.3', '0603550403'],
      ['2.5.29.17', '0603551d11'],
      ['1.3.101.112', '06032b6570'],
      ['0.0', '060100'],
      ['2.999.3', '0603883703'],
      ['2.25.329800735698586629295641978511506172918', '06146983f09da7ebcfdee0c7a1a7b2c0948cc8f9d776'],
    ]
    for (const [dotted, want] of cases) expect(hex(oid(dotted)), dotted).toBe(want)
    for (const bad of [
      '',
      '1',
      '1.',
      '.1.2',
      '1..2',
      '3.1',
      '1.40',
      '0.40',
      'a.b',
      '1.2.-3',
      '1.2 ',
      42,
      '1.2'.repeat(200),
    ])
      await expectCode(() => oid(bad as string), 'ERR_WP_INVALID_ARGUMENT')
  })

  it('BOOLEAN, BIT STRING, OCTET STRING, UTF8String, SEQUENCE, context tags', () => {
    expect(hex(boolean(true))).toBe('0101ff')
    expect(hex(boolean(false))).toBe('010100')
    expect(hex(bitString(Uint8Array.of(4, 1)))).toBe('0303000401')
    expect(hex(octetString(Uint8Array.of(1), Uint8Array.of(2)))).toBe('04020102')
    expect(hex(utf8String('é'))).toBe('0c02c3a9')
    expect(hex(sequence(integer(1), boolean(true)))).toBe('30060201010101ff')
    expect(hex(sequence())).toBe('3000')
    expect(hex(explicit(0, integer(2)))).toBe('a003020102')
    expect(hex(explicit(3))).toBe('a300')
    expect(hex(implicit(2, new TextEncoder().encode('a')))).toBe('820161')
    expect(hex(implicit(7, Uint8Array.of(127, 0, 0, 1)))).toBe('87047f000001')
  })

  it('context tag numbers from 0 to 30 only', async () => {
    for (const n of [-1, 31, 1.5]) {
      await expectCode(() => explicit(n), 'ERR_WP_INVALID_ARGUMENT')
      await expectCode(() => implicit(n, new Uint8Array(0)), 'ERR_WP_INVALID_ARGUMENT')
    }
  })

  it('SET OF: elements in the order of their encodings (X.690 §11.6)', () => {
    expect(hex(set(integer(2), integer(1), boolean(true), integer(0x100)))).toBe('310d0101ff02010102010202020100')
  })

  it('time: UTCTime to 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', async () => {
    const ascii = (out: Uint8Array): string => Buffer.from(out.subarray(2)).toString('latin1')
    const cases: [string, number, string][] = [
      ['1950-01-01T00:00:00.000Z', TAG.UTC_TIME, '500101000000Z'],
      ['2026-01-02T03:04:05.678Z', TAG.UTC_TIME, '260102030405Z'],
      ['2049-12-31T23:59:59.999Z', TAG.UTC_TIME, '491231235959Z'],
      ['2050-01-01T00:00:00.000Z', TAG.GENERALIZED_TIME, '20500101000000Z'],
      ['9999-12-31T23:59:59.000Z', TAG.GENERALIZED_TIME, '99991231235959Z'],
    ]
    for (const [iso, tag, text] of cases) {
      const out = time(new Date(iso))
      expect(out[0], iso).toBe(tag)
      expect(out[1]).toBe(text.length)
      expect(ascii(out)).toBe(text)
    }
    for (const bad of [new Date(Number.NaN), new Date('1949-12-31T23:59:59Z'), new Date('+010000-01-01T00:00:00Z'), 0])
      await expectCode(() => time(bad as Date), 'ERR_WP_INVALID_ARGUMENT')
  })
})

describe('toPem (RFC 7468 §2)', () => {
  it('64-character lines between BEGIN and END, read back by node:crypto', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const spki = publicKey.export({ type: 'spki', format: 'der' })
    const pem = toPem('PUBLIC KEY', spki)
    expect(pem).toBe(publicKey.export({ type: 'spki', format: 'pem' }))
    const big = toPem('DATA', new Uint8Array(1000).fill(7))
    const lines = big.trimEnd().split('\n')
    expect(lines[0]).toBe('-----BEGIN DATA-----')
    expect(lines.at(-1)).toBe('-----END DATA-----')
    for (const line of lines.slice(1, -2)) expect(line).toHaveLength(64)
    expect(Buffer.from(lines.slice(1, -1).join(''), 'base64')).toEqual(Buffer.alloc(1000, 7))
  })
})

describe('a self-signed certificate made with it, as the push service makes one', () => {
  const dir = tempDir()

  /** A P-256 certificate for `hosts` (DNS names and one IPv4 address), signed with ECDSA-SHA256. */
  function certificate(hosts: string[]): { pem: string; key: ReturnType<typeof generateKeyPairSync> } {
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const spki = key.publicKey.export({ type: 'spki', format: 'der' })
    const ecdsaSha256 = sequence(oid('1.2.840.10045.4.3.2'))
    const name = sequence(set(sequence(oid('2.5.4.3'), utf8String('wp-push-service local'))))
    const altNames = [
      ...hosts.map((host) => implicit(2, new TextEncoder().encode(host))),
      implicit(7, Uint8Array.of(127, 0, 0, 1)),
    ]
    const extensions = explicit(
      3,
      sequence(
        sequence(oid('2.5.29.19'), boolean(true), octetString(sequence(boolean(true)))),
        sequence(oid('2.5.29.14'), octetString(octetString(createHash('sha1').update(spki).digest()))),
        sequence(oid('2.5.29.17'), octetString(sequence(...altNames))),
      ),
    )
    const serial = randomBytes(16)
    serial[0] = (serial[0] as number) | 0x80 // a top bit set: integer() must add the zero octet
    const tbs = sequence(
      explicit(0, integer(2)),
      integer(serial),
      ecdsaSha256,
      name,
      sequence(time(new Date('2026-01-01T00:00:00Z')), time(new Date('2050-06-01T00:00:00Z'))),
      name,
      spki,
      extensions,
    )
    const signature = sign('sha256', tbs, key.privateKey)
    return { pem: toPem('CERTIFICATE', sequence(tbs, ecdsaSha256, bitString(signature))), key }
  }

  it('node:crypto reads it: subject, names, validity across 2050, and its signature', () => {
    const { pem, key } = certificate(['localhost', 'push.test'])
    const cert = new X509Certificate(pem)
    expect(cert.subject).toBe('CN=wp-push-service local')
    expect(cert.issuer).toBe(cert.subject)
    expect(cert.subjectAltName).toBe('DNS:localhost, DNS:push.test, IP Address:127.0.0.1')
    expect(new Date(cert.validFrom).toISOString()).toBe('2026-01-01T00:00:00.000Z')
    expect(new Date(cert.validTo).toISOString()).toBe('2050-06-01T00:00:00.000Z')
    expect(cert.ca).toBe(true)
    expect(cert.checkHost('push.test')).toBe('push.test')
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(cert.verify(createPublicKey(key.publicKey.export({ type: 'spki', format: 'pem' })))).toBe(true)
  })

  it('openssl reads one larger than 64 KiB (lengths in three octets)', () => {
    const hosts = Array.from({ length: 4000 }, (_, i) => `host-${i}.push.test`)
    const { pem } = certificate(hosts)
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')
    expect(der.length).toBeGreaterThan(0x10000)
    expect(hex(der.subarray(0, 2))).toBe('3083')
    writeFileSync(join(dir, 'big.pem'), pem)
    const text = openssl(dir, 'x509', '-in', 'big.pem', '-noout', '-text')
    expect(text).toContain('DNS:host-3999.push.test')
    expect(text).toMatch(/Subject: CN ?= ?wp-push-service local/)
    expect(new X509Certificate(pem).checkHost('host-1234.push.test')).toBe('host-1234.push.test')
  })
})
