/**
 * The package as browsers and Workers get it (`#backends` mapped to `runtime.default.ts`): WebCrypto
 * by default, the pure-JS backend loaded on demand. Nothing of @noble is in the initial load of a
 * bundle of the entry, the asynchronous API works without it, the synchronous API says what to do
 * until it is loaded, and public keys are derived without it, byte for byte as node:crypto does.
 */
import { createECDH } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it, vi } from 'vitest'
import { getBackend, getSyncBackend, loadBackend, syncBackendByName } from '../src/backend.js'
import { publicKeyOf } from '../src/keys.js'
import { decryptWebPush, encryptWebPush, encryptWebPushSync } from '../src/web-push.js'

vi.mock('#backends', () => import('../src/internal/runtime.default.js'))

const src = join(dirname(fileURLToPath(import.meta.url)), '../src')
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

function scalar(d: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 31, v = d; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn)
  return out
}

function nodePublicKey(privateKey: Uint8Array): Uint8Array {
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(privateKey)
  return new Uint8Array(ecdh.getPublicKey())
}

function receiver() {
  const ecdh = createECDH('prime256v1')
  const publicKey = new Uint8Array(ecdh.generateKeys())
  const privateKey = scalar(BigInt(`0x${ecdh.getPrivateKey('hex')}`))
  const auth = new Uint8Array(16).fill(7)
  return { publicKey, privateKey, auth, subscription: { p256dh: publicKey, auth } }
}

describe('outside Node: the pure-JS backend on demand', () => {
  // The order matters: the module state (loaded or not) is shared by the tests of this file.
  it('bundles the entry with no @noble module in its initial load, and the pure-JS backend in a chunk of its own', async () => {
    const result = await build({
      entryPoints: [join(src, 'index.ts')],
      bundle: true,
      splitting: true,
      format: 'esm',
      outdir: 'out',
      write: false,
      metafile: true,
      platform: 'browser',
      conditions: ['@wp/source', 'browser'],
      logLevel: 'silent',
    })
    const outputs = Object.values(result.metafile.outputs).filter((o) => o.inputs !== undefined)
    const entry = outputs.find((o) => o.entryPoint !== undefined)
    const entryInputs = Object.keys(entry?.inputs ?? {})
    expect(entryInputs.some((p) => p.endsWith('src/web-push.ts'))).toBe(true)
    expect(entryInputs.filter((p) => p.includes('@noble') || p.endsWith('backends/noble.ts'))).toEqual([])
    expect(entry?.imports.filter((i) => i.kind === 'import-statement')).toEqual([])
    const lazy = outputs.filter((o) => o !== entry).flatMap((o) => Object.keys(o.inputs))
    expect(lazy.some((p) => p.includes('@noble/curves'))).toBe(true)
  })

  it('derives public keys without the pure-JS backend, as node:crypto does, for 1, 2, n-1 and random scalars', () => {
    expect(() => syncBackendByName('noble')).toThrow(expect.objectContaining({ code: 'ERR_WP_BACKEND_UNAVAILABLE' }))
    const scalars = [1n, 2n, 3n, N - 1n, N - 2n, N >> 1n]
    for (let i = 0; i < 40; i++) {
      const ecdh = createECDH('prime256v1')
      ecdh.generateKeys()
      scalars.push(BigInt(`0x${ecdh.getPrivateKey('hex')}`))
    }
    for (const d of scalars) {
      const key = scalar(d)
      expect(publicKeyOf(key), d.toString(16)).toEqual(nodePublicKey(key))
    }
  })

  it('encrypts through WebCrypto by default, and the synchronous API says to load the pure-JS backend first', async () => {
    expect(getBackend().name).toBe('webcrypto')
    const r = receiver()
    const sealed = await encryptWebPush('hello', r.subscription)
    expect(new TextDecoder().decode(await decryptWebPush(sealed.body, r))).toBe('hello')
    for (const call of [
      () => getSyncBackend(),
      () => syncBackendByName('noble'),
      () => encryptWebPushSync('hi', r.subscription),
    ])
      expect(call).toThrow(
        expect.objectContaining({
          name: 'WebPushError',
          code: 'ERR_WP_BACKEND_UNAVAILABLE',
          message: expect.stringContaining("await loadBackend('noble')"),
        }),
      )
    expect(() => syncBackendByName('webcrypto')).toThrow(/asynchronous; a synchronous call runs on 'noble'$/)
  })

  it('loads the pure-JS backend when asked: then the synchronous API runs on it', async () => {
    const noble = await loadBackend('noble')
    expect(noble.name).toBe('noble')
    expect(getSyncBackend().name).toBe('noble')
    expect(syncBackendByName('noble').name).toBe('noble')
    const r = receiver()
    const sealed = encryptWebPushSync('sync', r.subscription)
    expect(new TextDecoder().decode(await decryptWebPush(sealed.body, r))).toBe('sync')
    await expect(loadBackend('node')).rejects.toMatchObject({ code: 'ERR_WP_BACKEND_UNAVAILABLE' })
  })
})
