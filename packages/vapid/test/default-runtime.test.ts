/**
 * VAPID keys as browsers and Workers import them (@wp/ece's `#backends` mapped to its default
 * runtime): `importVapidKey` derives and checks the public key with nothing loaded first, the
 * synchronous import says to load the pure-JS backend, and works once it is loaded.
 */
import { createECDH } from 'node:crypto'
import { base64urlEncode, loadBackend, syncBackendByName } from '@wp/ece/utils'
import { describe, expect, it, vi } from 'vitest'
import { importVapidKey, importVapidKeySync, signVapidToken, VapidKey, verifyVapidToken } from '../src/index.js'
import { AUDIENCE, SUBJECT } from './helpers.js'

// @wp/ece resolves `#backends` to its Node runtime here; the default one stands in for it.
// (A path in a variable: the typecheck of this package stays out of @wp/ece's sources.)
vi.mock('../../ece/src/internal/runtime.node.ts', () => {
  const defaultRuntime = new URL('../../ece/src/internal/runtime.default.ts', import.meta.url).pathname
  return import(/* @vite-ignore */ defaultRuntime)
})

/** RFC 8291 §5's receiver key pair: any P-256 pair serves as a VAPID key. */
const D = 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94'
const Q = 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4'

function nodePair(): { d: string; q: string } {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  return { d: base64urlEncode(ecdh.getPrivateKey()), q: base64urlEncode(ecdh.getPublicKey()) }
}

describe('VAPID keys outside Node', () => {
  // The order matters: the pure-JS backend, once loaded, stays loaded for the tests after.
  it('imports raw, JWK and paired keys asynchronously with nothing loaded first, checking a given public key', async () => {
    expect((await importVapidKey(D)).applicationServerKey).toBe(Q)
    for (let i = 0; i < 5; i++) {
      const { d, q } = nodePair()
      const key = await importVapidKey({ privateKey: d, publicKey: q })
      expect(key.applicationServerKey).toBe(q)
      expect((await importVapidKey(key.toJWK())).applicationServerKey).toBe(q)
      expect((await importVapidKey(key.toPEM('sec1'))).applicationServerKey).toBe(q)
      const token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT })
      await expect(verifyVapidToken(token, q)).resolves.toBeDefined()
    }
    await expect(importVapidKey({ privateKey: D, publicKey: nodePair().q })).rejects.toMatchObject({
      code: 'ERR_WP_VAPID_KEY',
      message: 'the public key given does not match the private key',
    })
    await expect(importVapidKey('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).rejects.toMatchObject({
      code: 'ERR_WP_VAPID_KEY',
    })
    expect(() => syncBackendByName('noble')).toThrow(expect.objectContaining({ code: 'ERR_WP_BACKEND_UNAVAILABLE' }))
  })

  it('refuses the synchronous import before the pure-JS backend is loaded, saying what to do', () => {
    for (const call of [() => importVapidKeySync(D), () => new VapidKey(Buffer.from(D, 'base64url'))])
      expect(call).toThrow(
        expect.objectContaining({
          name: 'WebPushError',
          code: 'ERR_WP_BACKEND_UNAVAILABLE',
          message: expect.stringContaining("await loadBackend('noble')"),
        }),
      )
  })

  it('imports synchronously once the pure-JS backend is loaded, deriving each key itself', async () => {
    await loadBackend('noble')
    expect(importVapidKeySync(D).applicationServerKey).toBe(Q)
    const { d, q } = nodePair()
    await importVapidKey(D) // derives Q for its own key only: the next key derives its own
    expect(new VapidKey(Buffer.from(d, 'base64url')).applicationServerKey).toBe(q)
    expect(() => new VapidKey(Buffer.from(d, 'base64url'), Buffer.from(Q, 'base64url'))).toThrow(
      'the public key given does not match the private key',
    )
  })
})
