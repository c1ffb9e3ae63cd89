/**
 * Strict base64url (RFC 4648 §5): round trips against Node's Buffer, the padded form accepted, and
 * everything else refused with ERR_WP_BASE64URL. base64url is plain JS on every backend (no crypto
 * backend is involved), so these tests run once.
 */
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { base64urlDecode, base64urlEncode, WebPushError } from '../src/index.js'
import { utf8 } from './helpers.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** The strict language: unpadded (length not 1 mod 4), or padded to a multiple of 4 with the right number of '='. */
const STRICT =
  /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$|^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)$/

function decodeError(text: string): WebPushError {
  try {
    base64urlDecode(text)
  } catch (err) {
    expect(WebPushError.is(err)).toBe(true)
    expect(err).toBeInstanceOf(WebPushError)
    return err as WebPushError
  }
  throw new Error(`accepted ${JSON.stringify(text)}`)
}

describe('base64urlEncode / base64urlDecode', () => {
  it('RFC 4648 §10 test vectors, unpadded out, padded and unpadded in', () => {
    for (const [plain, encoded, padded] of [
      ['', '', ''],
      ['f', 'Zg', 'Zg=='],
      ['fo', 'Zm8', 'Zm8='],
      ['foo', 'Zm9v', 'Zm9v'],
      ['foob', 'Zm9vYg', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy', 'Zm9vYmFy'],
    ] as const) {
      expect(base64urlEncode(utf8(plain))).toBe(encoded)
      expect(base64urlDecode(encoded)).toEqual(utf8(plain))
      expect(base64urlDecode(padded)).toEqual(utf8(plain))
    }
  })

  it('uses - and _ where base64 has + and /, for every 6-bit value', () => {
    expect(base64urlEncode(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe('-_-_')
    expect(base64urlDecode('-_-_')).toEqual(Uint8Array.of(0xfb, 0xff, 0xbf))
    // The whole alphabet, in order, is 48 bytes that encode back to it.
    const all = base64urlDecode(ALPHABET)
    expect(all.length).toBe(48)
    expect(base64urlEncode(all)).toBe(ALPHABET)
    expect(Buffer.from(all).toString('base64url')).toBe(ALPHABET)
  })

  it('matches Buffer on random bytes of every length from 0 to 300, both ways, padded too', () => {
    for (let length = 0; length <= 300; length++) {
      const bytes = new Uint8Array(randomBytes(length))
      const text = base64urlEncode(bytes)
      expect(text).toBe(Buffer.from(bytes).toString('base64url'))
      expect(text).not.toMatch(/[=+/]/)
      const decoded = base64urlDecode(text)
      expect(decoded).toEqual(bytes)
      const padded = text + '='.repeat((4 - (text.length % 4)) % 4)
      expect(base64urlDecode(padded)).toEqual(bytes)
    }
  })

  it('round-trips any bytes (property), including Buffers and views into larger buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat({ max: 16 }), (bytes, offset) => {
        const host = new Uint8Array(offset + bytes.length + 7)
        host.set(bytes, offset)
        const view = host.subarray(offset, offset + bytes.length)
        const text = base64urlEncode(view)
        expect(text).toBe(Buffer.from(bytes).toString('base64url'))
        expect(base64urlEncode(Buffer.from(bytes))).toBe(text)
        expect(base64urlDecode(text)).toEqual(bytes)
      }),
      { numRuns: 300 },
    )
  })

  it('decodes to a plain Uint8Array that owns its buffer (no Buffer, no view)', () => {
    const out = base64urlDecode('AQIDBA')
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype)
    expect(out.byteOffset).toBe(0)
    expect(out.buffer.byteLength).toBe(4)
  })

  it('accepts exactly the strict language, and then decodes as Buffer does (property)', () => {
    // Strings over the alphabet plus the characters a lenient decoder lets through.
    const chars = fc.constantFrom(...`${ALPHABET}${ALPHABET}====+/ \t\n\r.é`)
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 24 }), (text) => {
        if (STRICT.test(text)) {
          expect(base64urlDecode(text)).toEqual(new Uint8Array(Buffer.from(text, 'base64url')))
        } else {
          expect(decodeError(text).code).toBe('ERR_WP_BASE64URL')
        }
      }),
      { numRuns: 2000 },
    )
  })

  it.each([
    ['+ (standard base64)', 'Zm9v+mFy'],
    ['/ (standard base64)', 'Zm9v/mFy'],
    ['standard base64 of bytes with + and /', '+/+/'],
    ['a space inside', 'Zm9v YmFy'],
    ['a leading space', ' Zm9v'],
    ['a trailing space', 'Zm9v '],
    ['a trailing newline', 'Zm9v\n'],
    ['a CRLF line break (MIME style)', 'Zm9v\r\nYmFy'],
    ['a tab', 'Zm9v\tYmFy'],
    ['a non-breaking space', 'Zm9v\u00a0'],
    ['a non-ASCII letter', 'Zm9vé'],
    ['a full-width letter', 'Ｚm9v'],
    ['a NUL', 'Zm9v\u0000'],
    ['a dot', 'Zm9v.mFy'],
    ['1 character', 'Z'],
    ['5 characters', 'Zm9vY'],
    ['9 characters', 'Zm9vYmFyZ'],
    ['5 characters with padding', 'Zm9vY==='],
    ['= at the start', '=Zm9'],
    ['= in the middle', 'Zm=vYmFy'],
    ['padding in the middle', 'Zg==Zm9v'],
    ['padding on an unpadded length', 'Zm9=Y'],
    ['one = where two are needed', 'Zg='],
    ['three =', 'Z==='],
    ['padding after a full group', 'Zm9v===='],
    ['a lone =', '='],
    ['== alone', '=='],
    ['=== alone', '==='],
    ['==== alone', '===='],
  ])('refuses %s', (_what, text) => {
    expect(decodeError(text).code).toBe('ERR_WP_BASE64URL')
  })

  it('refuses what is not a string, with ERR_WP_BASE64URL, and never quotes the input', () => {
    for (const value of [null, undefined, 42, {}, [], Uint8Array.of(1)])
      expect(() => base64urlDecode(value as never)).toThrow(expect.objectContaining({ code: 'ERR_WP_BASE64URL' }))
    const secret = 'c2VjcmV0LWF1dGgtdmFsdWU+'
    const err = decodeError(secret)
    expect(err.message).not.toContain(secret)
    expect(err.message).not.toContain(secret.slice(0, 8))
  })

  it('base64urlEncode refuses what is not a Uint8Array with ERR_WP_INVALID_ARGUMENT', () => {
    for (const value of [null, undefined, 'AQID', 42, [1, 2, 3], new ArrayBuffer(3), new Uint16Array(2), {}])
      expect(() => base64urlEncode(value as never)).toThrow(
        expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT' }),
      )
  })
})
