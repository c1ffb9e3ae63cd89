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
import { afterEach, describe, expect, it, vi } from 'vitest'
import { getBackend, getSyncBackend, loadBackend, syncBackendByName } from '../src/backend.js'
import { runtime as defaultRuntime } from '../src/internal/runtime.default.js'
import { publicKeyOf, publicKeyOfAsync } from '../src/keys.js'
import { decryptWebPush, encryptWebPush, encryptWebPushSync } from '../src/web-push.js'
import { b64 } from './helpers.js'
import v from './vectors/rfc8291.json' with { type: 'json' }

vi.mock('#backends', () => import('../src/internal/runtime.default.js'))

const src = join(dirname(fileURLToPath(import.meta.url)), '../src')
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

function scalar(d: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 31, v = d; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn)
  return out
}

/** 1, 2, 3, n-1, n-2, (n-1)/2 and 20 random scalars. */
function scalars(): bigint[] {
  const out = [1n, 2n, 3n, N - 1n, N - 2n, N >> 1n]
  for (let i = 0; i < 20; i++) {
    const ecdh = createECDH('prime256v1')
    ecdh.generateKeys()
    out.push(BigInt(`0x${ecdh.getPrivateKey('hex')}`))
  }
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

  it('refuses to derive a public key synchronously before the pure-JS backend is loaded, saying what to do', () => {
    for (const call of [() => publicKeyOf(b64(v.ua_private)), () => defaultRuntime.derivePublicKey(scalar(1n))])
      expect(call).toThrow(
        expect.objectContaining({
          name: 'WebPushError',
          code: 'ERR_WP_BACKEND_UNAVAILABLE',
          message: expect.stringMatching(/await loadBackend\('noble'\).*asynchronous/),
        }),
      )
    expect(() => syncBackendByName('noble')).toThrow(expect.objectContaining({ code: 'ERR_WP_BACKEND_UNAVAILABLE' }))
  })

  it('derives public keys asynchronously through WebCrypto, as node:crypto does, without loading the pure-JS backend', async () => {
    expect(await publicKeyOfAsync(b64(v.ua_private))).toEqual(b64(v.ua_public))
    expect(await publicKeyOfAsync(b64(v.as_private))).toEqual(b64(v.as_public))
    for (const d of scalars()) {
      const key = scalar(d)
      expect(await publicKeyOfAsync(key), d.toString(16)).toEqual(nodePublicKey(key))
    }
    // RFC 8291 §5's sender keys given to the asynchronous API are checked against each other here too.
    const vector = { salt: b64(v.salt), senderKeys: { privateKey: b64(v.as_private), publicKey: b64(v.as_public) } }
    const sealed = await encryptWebPush(
      b64(v.plaintext),
      { p256dh: b64(v.ua_public), auth: b64(v.auth_secret) },
      vector,
    )
    expect(sealed.body).toEqual(b64(v.body))
    const mismatched = { ...vector, senderKeys: { ...vector.senderKeys, publicKey: b64(v.ua_public) } }
    await expect(encryptWebPush('hi', receiver().subscription, mismatched)).rejects.toMatchObject({
      code: 'ERR_WP_INVALID_ARGUMENT',
      message: 'senderKeys.publicKey does not match senderKeys.privateKey',
    })
    expect(() => syncBackendByName('noble')).toThrow(expect.objectContaining({ code: 'ERR_WP_BACKEND_UNAVAILABLE' }))
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

  it('derives public keys synchronously once the pure-JS backend is loaded, as node:crypto does', () => {
    expect(publicKeyOf(b64(v.ua_private))).toEqual(b64(v.ua_public))
    expect(publicKeyOf(b64(v.as_private))).toEqual(b64(v.as_public))
    for (const d of scalars()) expect(publicKeyOf(scalar(d)), d.toString(16)).toEqual(nodePublicKey(scalar(d)))
  })
})

describe('the asynchronous derivation where WebCrypto will not derive (Firefox refuses a PKCS #8 key without its public key)', () => {
  afterEach(() => vi.restoreAllMocks())

  it('falls back to the pure-JS backend, loading it on demand, with the same bytes', async () => {
    vi.resetModules() // a fresh runtime.default, with the pure-JS backend not loaded yet
    const { runtime } = await import('../src/internal/runtime.default.js')
    expect(runtime.synchronous.noble).toBeUndefined()
    const importKey = vi
      .spyOn(globalThis.crypto.subtle, 'importKey')
      .mockRejectedValue(new DOMException('The operation failed for an operation-specific reason', 'OperationError'))
    const derive = runtime.derivePublicKeyAsync as (privateKey: Uint8Array) => Promise<Uint8Array>
    expect(await derive(b64(v.ua_private))).toEqual(b64(v.ua_public))
    for (const d of scalars()) expect(await derive(scalar(d)), d.toString(16)).toEqual(nodePublicKey(scalar(d)))
    expect(importKey).toHaveBeenCalled()
    expect(runtime.synchronous.noble?.name).toBe('noble')
  })
})
