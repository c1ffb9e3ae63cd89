/**
 * Strict standard base64 (RFC 4648 §4), the codec beside base64url: round trips against Node's
 * Buffer, the padded and unpadded forms accepted, and base64url characters, whitespace, misplaced
 * padding and impossible lengths refused with ERR_WP_BASE64URL (the code of every strict decoder).
 */
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { base64Decode, base64Encode } from '../src/utils.js'
import { codeOf, utf8 } from './helpers.js'

/** The strict language: unpadded (length not 1 mod 4), or padded to a multiple of 4 with the right number of '='. */
const STRICT =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2,3})?$|^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/

describe('base64Encode / base64Decode', () => {
  it('RFC 4648 §10 test vectors: padded out, padded and unpadded in', () => {
    for (const [plain, padded] of [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ] as const) {
      expect(base64Encode(utf8(plain))).toBe(padded)
      expect(base64Decode(padded)).toEqual(utf8(plain))
      expect(base64Decode(padded.replace(/=+$/, ''))).toEqual(utf8(plain))
    }
  })

  it('uses + and / where base64url has - and _', () => {
    expect(base64Encode(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe('+/+/')
    expect(base64Decode('+/+/')).toEqual(Uint8Array.of(0xfb, 0xff, 0xbf))
  })

  it('matches Buffer on random bytes of every length from 0 to 300, both ways, and owns its output buffer', () => {
    for (let length = 0; length <= 300; length++) {
      const bytes = new Uint8Array(randomBytes(length))
      const text = base64Encode(bytes)
      expect(text).toBe(Buffer.from(bytes).toString('base64'))
      const decoded = base64Decode(text)
      expect(decoded).toEqual(bytes)
      expect(Object.getPrototypeOf(decoded)).toBe(Uint8Array.prototype)
      expect(decoded.buffer.byteLength).toBe(length)
    }
  })

  it('accepts exactly the strict language, and then decodes as Buffer does (property)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const chars = fc.constantFrom(...`${alphabet}${alphabet}====-_ \t\n\r.é`)
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 24 }), (text) => {
        if (STRICT.test(text)) expect(base64Decode(text)).toEqual(new Uint8Array(Buffer.from(text, 'base64')))
        else expect(codeOf(() => base64Decode(text))).toBe('ERR_WP_BASE64URL')
      }),
      { numRuns: 2000 },
    )
  })

  it.each([
    ['- (base64url)', 'Zm9v-mFy'],
    ['_ (base64url)', 'Zm9v_mFy'],
    ['a line break (PEM lines are joined first)', 'Zm9v\nYmFy'],
    ['a space', 'Zm9v YmFy'],
    ['5 characters', 'Zm9vY'],
    ['= in the middle', 'Zm=vYmFy'],
    ['one = where two are needed', 'Zg='],
    ['padding after a full group', 'Zm9v===='],
  ])('refuses %s, never quoting the text', (_what, text) => {
    expect(codeOf(() => base64Decode(text, 'the PEM body'))).toBe('ERR_WP_BASE64URL')
    try {
      base64Decode(text, 'the PEM body')
    } catch (err) {
      expect((err as Error).message).toMatch(/^the PEM body /)
      expect((err as Error).message).not.toContain(text)
    }
  })

  it('refuses what is not a string (ERR_WP_BASE64URL) and encodes only a Uint8Array (ERR_WP_INVALID_ARGUMENT)', () => {
    for (const value of [null, undefined, 42, {}, Uint8Array.of(1)])
      expect(codeOf(() => base64Decode(value as never))).toBe('ERR_WP_BASE64URL')
    for (const value of [null, 'AQID', [1, 2, 3], new ArrayBuffer(3), new Uint16Array(2)])
      expect(codeOf(() => base64Encode(value as never))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(base64Encode(Buffer.from([1, 2, 3]))).toBe('AQID')
  })
})
