/**
 * Bodies of very many records, on every backend: RFC 8188 allows any number of records, so a body of
 * 150 KB at the smallest record size (18: one octet of plaintext per record) is 150,000 of them,
 * and what `encrypt` writes `decrypt` must open, without a stack that grows with the record count.
 */
import { describe, expect, it } from 'vitest'
import { concatBytes } from '../src/bytes.js'
import { type BackendName, decrypt, encrypt } from '../src/index.js'
import { backends, pattern, withBackend } from './helpers.js'

/** At least 150 KB of plaintext: 153,600 records of one octet at rs 18, plus the padding's records. */
const LENGTH = 150 * 1024
const PADDING = 1000
/** Per backend, for encrypt and decrypt together; each runs in a few seconds, the budget leaves room for a busy machine. */
const BUDGET_MS: Record<BackendName, number> = { node: 60_000, webcrypto: 90_000, noble: 120_000 }

describe.each(backends)('many records on the %s backend', (name) => {
  withBackend(name)

  it(
    `decrypt opens encrypt's ${LENGTH}-byte body at record size 18 (${LENGTH + PADDING} records)`,
    async () => {
      const key = new Uint8Array(16).fill(0x42)
      const plaintext = pattern(LENGTH)
      const started = performance.now()
      const body = await encrypt(plaintext, { key, recordSize: 18, padding: PADDING })
      expect(body.length).toBe(21 + (LENGTH + PADDING) * 18)
      const out = await decrypt(body, { key })
      const elapsed = performance.now() - started
      expect(out.length).toBe(LENGTH)
      expect(out).toEqual(plaintext)
      // The plaintext owns its buffer exactly: no padding or slack behind it.
      expect(out.byteOffset).toBe(0)
      expect(out.buffer.byteLength).toBe(LENGTH)
      expect(elapsed).toBeLessThan(BUDGET_MS[name])
    },
    BUDGET_MS[name] * 2,
  )
})

describe('concatBytes', () => {
  it('joins a list of 200,000 parts given as an array (never spread into arguments)', () => {
    const parts = Array.from({ length: 200_000 }, (_, i) => Uint8Array.of(i & 0xff, (i >>> 8) & 0xff))
    const out = concatBytes(parts)
    expect(out.length).toBe(400_000)
    expect([out[0], out[1], out[399_998], out[399_999]]).toEqual([0, 0, 199_999 & 0xff, (199_999 >>> 8) & 0xff])
  })

  it('still takes a few parts as arguments', () => {
    expect(concatBytes(Uint8Array.of(1), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3))
    expect(concatBytes()).toEqual(new Uint8Array(0))
  })
})
