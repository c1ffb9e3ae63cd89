/**
 * The two modules behind the `#backends` import map. Under Node the map picks `runtime.node.ts`;
 * these tests load `runtime.default.ts` too (what browsers and Workers get) and check that it offers
 * WebCrypto and pure JS, prefers WebCrypto, falls back to pure JS without `crypto.subtle`, and
 * computes the same bytes as node:crypto.
 */
import { createECDH, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { CryptoBackend } from '../src/backend.js'
import { runtime as defaultRuntime } from '../src/internal/runtime.default.js'
import type { Runtime } from '../src/internal/runtime.js'
import { runtime as nodeRuntime } from '../src/internal/runtime.node.js'

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

function keyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const ecdh = createECDH('prime256v1')
  const publicKey = new Uint8Array(ecdh.generateKeys())
  const privateKey = new Uint8Array(32)
  const scalar = ecdh.getPrivateKey()
  privateKey.set(scalar, 32 - scalar.length)
  return { privateKey, publicKey }
}

/** The bytes every deterministic primitive gives for the same inputs. */
async function outputs(backend: CryptoBackend, inputs: ReturnType<typeof makeInputs>): Promise<Uint8Array[]> {
  const { own, peer, salt, ikm, info, key, nonce, plaintext } = inputs
  const aes = await backend.importAesKey(key)
  const sealed = await backend.aesGcmEncrypt(aes, nonce, plaintext)
  return [
    await backend.ecdh(own, peer.publicKey),
    await backend.hkdf(salt, ikm, info, 32),
    await backend.hkdf(salt, ikm, info, 16),
    await backend.hmacSha256(key, plaintext),
    new Uint8Array(sealed),
    new Uint8Array(await backend.aesGcmDecrypt(aes, nonce, sealed)),
  ]
}

function makeInputs() {
  return {
    own: keyPair(),
    peer: keyPair(),
    salt: bytes(16),
    ikm: bytes(32),
    info: bytes(40),
    key: bytes(16),
    nonce: bytes(12),
    plaintext: bytes(100),
  }
}

describe('runtime.default (browsers, Workers), loaded under Node', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('offers webcrypto and noble, prefers webcrypto, and has no node backend', () => {
    expect(Object.keys(defaultRuntime.available)).toEqual(['webcrypto', 'noble'])
    expect(defaultRuntime.preferred).toBe('webcrypto')
    expect(defaultRuntime.available.webcrypto?.name).toBe('webcrypto')
    expect(defaultRuntime.available.noble?.name).toBe('noble')
    expect(Object.keys(nodeRuntime.available)).toEqual(['node', 'webcrypto', 'noble'])
    expect(nodeRuntime.preferred).toBe('node')
  })

  it('computes the same bytes as node:crypto: public keys, ECDH, HKDF, HMAC, AES-GCM both ways, signatures', async () => {
    const node = nodeRuntime.available.node as CryptoBackend
    for (let i = 0; i < 5; i++) {
      const inputs = makeInputs()
      const expected = await outputs(node, inputs)
      expect(await defaultRuntime.derivePublicKeyAsync?.(inputs.own.privateKey)).toEqual(inputs.own.publicKey)
      expect(nodeRuntime.derivePublicKey(inputs.own.privateKey)).toEqual(inputs.own.publicKey)
      for (const backend of Object.values(defaultRuntime.available)) {
        expect(await outputs(backend, inputs), backend.name).toEqual(expected)
        // ES256 is randomised: each verifies the other's signature instead.
        const data = inputs.plaintext
        const theirs = await backend.sign(await backend.importSigningKey(inputs.own), data)
        expect(await node.verify(inputs.own.publicKey, data, theirs)).toBe(true)
        const ours = await node.sign(await node.importSigningKey(inputs.own), data)
        expect(await backend.verify(inputs.own.publicKey, data, ours)).toBe(true)
        // The ephemeral ECDH agrees with node's ECDH from the other side.
        const { publicKey, secret } = await backend.ephemeralEcdh(inputs.peer.publicKey)
        expect(await node.ecdh(inputs.peer, publicKey)).toEqual(new Uint8Array(secret))
      }
    }
  })

  it('has synchronous forms of node:crypto and noble only, which compute the same bytes as the async ones', async () => {
    await defaultRuntime.load() // the pure-JS backend is loaded on demand outside Node
    expect(Object.keys(defaultRuntime.synchronous)).toEqual(['noble'])
    expect(Object.keys(nodeRuntime.synchronous)).toEqual(['node', 'noble'])
    const node = nodeRuntime.available.node as CryptoBackend
    const inputs = makeInputs()
    const expected = await outputs(node, inputs)
    for (const sync of [...Object.values(nodeRuntime.synchronous), ...Object.values(defaultRuntime.synchronous)]) {
      const aes = sync.importAesKey(inputs.key)
      const sealed = sync.aesGcmEncrypt(aes, inputs.nonce, inputs.plaintext)
      expect(sealed).toBeInstanceOf(Uint8Array)
      expect(
        [
          sync.ecdh(inputs.own, inputs.peer.publicKey),
          sync.hkdf(inputs.salt, inputs.ikm, inputs.info, 32),
          sync.hkdf(inputs.salt, inputs.ikm, inputs.info, 16),
          sync.hmacSha256(inputs.key, inputs.plaintext),
          new Uint8Array(sealed),
          new Uint8Array(sync.aesGcmDecrypt(aes, inputs.nonce, sealed)),
        ],
        sync.name,
      ).toEqual(expected)
      const signature = sync.sign(sync.importSigningKey(inputs.own), inputs.plaintext)
      expect(await node.verify(inputs.own.publicKey, inputs.plaintext, signature)).toBe(true)
      expect(sync.verify(inputs.own.publicKey, inputs.plaintext, signature)).toBe(true)
    }
  })

  it('falls back to noble alone where crypto.subtle is missing (an insecure browser context)', async () => {
    vi.stubGlobal('crypto', { getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) })
    const specifier = '../src/internal/runtime.default.ts?without-subtle'
    const { runtime } = (await import(/* @vite-ignore */ specifier)) as { runtime: Runtime }
    expect(Object.keys(runtime.available)).toEqual(['noble'])
    expect(runtime.preferred).toBe('noble')
    // Loaded on demand by the first call: no synchronous form until then.
    expect(Object.keys(runtime.synchronous)).toEqual([])
    const noble = runtime.available.noble as CryptoBackend
    const node = nodeRuntime.available.node as CryptoBackend
    const inputs = makeInputs()
    expect(await outputs(noble, inputs)).toEqual(await outputs(node, inputs))
    expect(Object.keys(runtime.synchronous)).toEqual(['noble'])
  })
})
