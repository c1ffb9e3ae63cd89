/**
 * The private-scalar check of `toPrivateKey` (SEC 1 §3.2.1: d in [1, n-1]) is a plain range check
 * with no curve library behind it, so shared code pulls no pure-JS curve into a browser bundle.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { p256 } from '@noble/curves/nist.js'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { toPrivateKey } from '../src/p256.js'

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
const scalar = (d: bigint): Uint8Array => {
  const out = new Uint8Array(32)
  for (let i = 31, v = d; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn)
  return out
}

describe('toPrivateKey', () => {
  it('takes 1 to n-1 and refuses 0, n, n+1 and 2^256-1, as the curve library does', () => {
    for (const d of [1n, 2n, N - 1n, N >> 1n, 0x1234n << 200n]) {
      expect(toPrivateKey(scalar(d), 'k')).toEqual(scalar(d))
      expect(p256.utils.isValidSecretKey(scalar(d))).toBe(true)
    }
    for (const d of [0n, N, N + 1n, (1n << 256n) - 1n]) {
      expect(() => toPrivateKey(scalar(d), 'k')).toThrow(
        expect.objectContaining({
          code: 'ERR_WP_INVALID_ARGUMENT',
          message: expect.stringMatching(/^k is not a valid P-256 private key/),
        }),
      )
      expect(p256.utils.isValidSecretKey(scalar(d))).toBe(false)
    }
  })

  it('needs no curve library: src/p256.ts bundles without @noble', async () => {
    const result = await build({
      entryPoints: [join(dirname(fileURLToPath(import.meta.url)), '../src/p256.ts')],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['@wp/source', 'browser'],
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile.inputs)
    expect(inputs.some((p) => p.endsWith('src/p256.ts'))).toBe(true)
    expect(inputs.filter((p) => p.includes('@noble'))).toEqual([])
  })
})
