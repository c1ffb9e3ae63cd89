/**
 * The helpers `@wp/ece/utils` shares with the packages above: the JWK form of a P-256 point
 * (RFC 7518 §6.2.1), the one parser of a content encoding, and `describeValue`.
 */
import { createECDH } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  base64urlEncode,
  describe as describeAlias,
  describeValue,
  jwkToPoint,
  pointToJwk,
  publicKeyOf,
  publicKeyOfAsync,
  toContentEncoding,
} from '../src/utils.js'
import { b64, codeOf } from './helpers.js'
import v from './vectors/rfc8291.json' with { type: 'json' }

async function webcryptoKey(): Promise<{ raw: Uint8Array; jwk: JsonWebKey }> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
    'deriveBits',
  ])) as CryptoKeyPair
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
  return { raw, jwk: await crypto.subtle.exportKey('jwk', pair.publicKey) }
}

describe('pointToJwk / jwkToPoint', () => {
  it('agree with WebCrypto both ways, for 50 keys', async () => {
    for (let i = 0; i < 50; i++) {
      const { raw, jwk } = await webcryptoKey()
      expect(pointToJwk(raw)).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y })
      const point = jwkToPoint(jwk)
      expect(point).toEqual(raw)
      expect(Object.getPrototypeOf(point)).toBe(Uint8Array.prototype)
      // And WebCrypto imports what pointToJwk makes.
      const back = await crypto.subtle.importKey(
        'jwk',
        pointToJwk(raw),
        { name: 'ECDH', namedCurve: 'P-256' },
        true,
        [],
      )
      expect(new Uint8Array(await crypto.subtle.exportKey('raw', back))).toEqual(raw)
    }
  })

  it('jwkToPoint ignores the other members (d, alg, kid) and keeps leading zero octets of a coordinate', async () => {
    const { raw, jwk } = await webcryptoKey()
    expect(jwkToPoint({ ...jwk, d: 'AAAA', alg: 'ES256', kid: 'k' })).toEqual(raw)
    // A coordinate whose first octet is zero is still 32 bytes (RFC 7518 §6.2.1.2), never shortened.
    let point: Uint8Array | undefined
    for (let i = 0; i < 20_000 && point === undefined; i++) {
      const candidate = new Uint8Array(createECDH('prime256v1').generateKeys())
      if (candidate[1] === 0) point = candidate
    }
    if (point === undefined) throw new Error('no key with a leading zero in 20,000 (chance about 1e-34)')
    const zeroJwk = pointToJwk(point)
    expect(Buffer.from(zeroJwk.x, 'base64url')).toHaveLength(32)
    expect(jwkToPoint(zeroJwk)).toEqual(point)
  })

  it.each([
    ['a 31-byte x', { x: 31 }, 'ERR_WP_KEY_LENGTH'],
    ['a 33-byte x (a leading zero added)', { x: 33 }, 'ERR_WP_KEY_LENGTH'],
    ['a 31-byte y', { y: 31 }, 'ERR_WP_KEY_LENGTH'],
    ['an empty y', { y: 0 }, 'ERR_WP_KEY_LENGTH'],
  ])('jwkToPoint refuses %s', async (_what, lengths, code) => {
    const { raw } = await webcryptoKey()
    const resize = (bytes: Uint8Array, length: number | undefined): string => {
      if (length === undefined) return base64urlEncode(bytes)
      const out = new Uint8Array(length)
      out.set(bytes.subarray(Math.max(0, 32 - length)), Math.max(0, length - 32))
      return base64urlEncode(out)
    }
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: resize(raw.subarray(1, 33), (lengths as { x?: number }).x),
      y: resize(raw.subarray(33), (lengths as { y?: number }).y),
    }
    expect(codeOf(() => jwkToPoint(jwk, 'publicJwk'))).toBe(code)
  })

  it('jwkToPoint refuses other types, curves and points off the curve, by code', async () => {
    const { jwk } = await webcryptoKey()
    const cases: [unknown, string][] = [
      [null, 'ERR_WP_INVALID_ARGUMENT'],
      ['{"kty":"EC"}', 'ERR_WP_INVALID_ARGUMENT'],
      [[jwk], 'ERR_WP_INVALID_ARGUMENT'],
      [{ ...jwk, x: undefined }, 'ERR_WP_INVALID_ARGUMENT'],
      [{ ...jwk, y: 42 }, 'ERR_WP_INVALID_ARGUMENT'],
      [{ ...jwk, kty: 'OKP' }, 'ERR_WP_INVALID_POINT'],
      [{ ...jwk, crv: 'P-384' }, 'ERR_WP_INVALID_POINT'],
      [{ ...jwk, crv: undefined }, 'ERR_WP_INVALID_POINT'],
      [{ ...jwk, x: `${(jwk.x as string).slice(0, -1)}+` }, 'ERR_WP_BASE64URL'],
      [{ ...jwk, y: jwk.x }, 'ERR_WP_INVALID_POINT'],
    ]
    for (const [value, code] of cases)
      expect(
        codeOf(() => jwkToPoint(value)),
        JSON.stringify(value),
      ).toBe(code)
  })

  it('pointToJwk refuses what is not a 65-byte uncompressed point, by code', async () => {
    const { raw } = await webcryptoKey()
    expect(codeOf(() => pointToJwk(raw.subarray(0, 64)))).toBe('ERR_WP_KEY_LENGTH')
    expect(codeOf(() => pointToJwk(raw.subarray(0, 33)))).toBe('ERR_WP_KEY_LENGTH')
    expect(codeOf(() => pointToJwk(Uint8Array.of(2, ...raw.subarray(1))))).toBe('ERR_WP_INVALID_POINT')
    expect(codeOf(() => pointToJwk(base64urlEncode(raw) as never))).toBe('ERR_WP_INVALID_ARGUMENT')
  })
})

describe('toContentEncoding', () => {
  it('reads the two encodings, and absent as aes128gcm', () => {
    expect(toContentEncoding(undefined)).toBe('aes128gcm')
    expect(toContentEncoding('aes128gcm')).toBe('aes128gcm')
    expect(toContentEncoding('aesgcm')).toBe('aesgcm')
  })

  it('refuses everything else with ERR_WP_UNSUPPORTED_ENCODING and one message naming the field', () => {
    for (const value of ['AES128GCM', 'gzip', '', null, 1, {}]) {
      expect(codeOf(() => toContentEncoding(value))).toBe('ERR_WP_UNSUPPORTED_ENCODING')
      expect(() => toContentEncoding(value, 'contentEncoding')).toThrow(
        /^contentEncoding must be 'aes128gcm' or 'aesgcm', got /,
      )
    }
    expect(() => toContentEncoding('gzip')).toThrow("encoding must be 'aes128gcm' or 'aesgcm', got 'gzip'")
  })
})

describe('describeValue', () => {
  it('describes without printing contents; describe is the same function under its old name', () => {
    expect(describeValue(null)).toBe('null')
    expect(describeValue(Uint8Array.of(1, 2))).toBe('2 bytes')
    expect(describeValue('secret')).toBe('a string of 6 characters')
    expect(describeValue([1])).toBe('an array')
    expect(describeValue(1)).toBe('a number')
    expect(describeAlias).toBe(describeValue)
  })
})

describe('publicKeyOf / publicKeyOfAsync in Node', () => {
  it("derive RFC 8291's keys to their public keys: publicKeyOf synchronously (no promise), publicKeyOfAsync the same bytes", async () => {
    const pairs: [string, string][] = [
      [v.ua_private, v.ua_public],
      [v.as_private, v.as_public],
    ]
    for (const [d, q] of pairs) {
      const sync = publicKeyOf(b64(d))
      expect(sync).toBeInstanceOf(Uint8Array)
      expect(sync).toEqual(b64(q))
      const pending = publicKeyOfAsync(b64(d))
      expect(pending).toBeInstanceOf(Promise)
      expect(await pending).toEqual(b64(q))
    }
  })
})
