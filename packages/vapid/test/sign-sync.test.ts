/**
 * `VapidKey.signSync`: ES256 on the synchronous backends of @wp/ece (node:crypto, noble), never
 * WebCrypto. Tokens built around it for the claims of RFC 8292 §2.4 are the example's header and
 * payload byte for byte, and their signatures verify with node:crypto, with npm jose and with ours.
 */
import { readFileSync } from 'node:fs'
import { base64urlEncode, getSyncBackend, syncBackendByName, useBackend } from '@wp/ece/utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  generateVapidKeys,
  importVapidKey,
  importVapidKeySync,
  type VapidClaims,
  verifyVapidToken,
} from '../src/index.js'
import { signClaims } from '../src/internal/claims.js'
import { expectCode, joseVerify, nodeVerifies } from './helpers.js'

const vectors = JSON.parse(readFileSync(new URL('./vectors/rfc8292.json', import.meta.url), 'utf8')) as {
  tests: Array<{ tcId: number; token?: string; now: number; claims?: VapidClaims }>
}
const rfc = vectors.tests.find((v) => v.tcId === 1) as { token: string; now: number; claims: VapidClaims }
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

afterEach(() => {
  useBackend('node')
  vi.restoreAllMocks()
})

describe.each(['node', 'noble'] as const)('signSync on the %s backend', (name) => {
  it('RFC 8292 §2.4: the example claims give the example header and payload, and a signature every verifier accepts', async () => {
    useBackend(name)
    expect(getSyncBackend().name).toBe(name)
    const key = importVapidKeySync((await generateVapidKeys()).privateKey)
    // The JWT around the signature is the one signVapidToken writes; only the signing is synchronous here.
    let signature: Uint8Array | undefined
    const token = await signClaims(
      {
        async sign(data) {
          signature = key.signSync(data)
          return signature
        },
      },
      rfc.claims,
    )
    expect(signature).toBeInstanceOf(Uint8Array)
    expect(signature).toHaveLength(64)
    const [header, payload] = rfc.token.split('.')
    expect(token.startsWith(`${header}.${payload}.`)).toBe(true)
    // An independent verifier (node:crypto, IEEE P1363 r || s), jose, and ours, at the example's time.
    expect(nodeVerifies(token, key.publicKeyPEM())).toBe(true)
    await expect(joseVerify(token, key.publicKey)).rejects.toThrow(/exp/) // 2016's token has expired for jose's clock
    expect(await verifyVapidToken(token, key.applicationServerKey, { now: rfc.now, audience: rfc.claims.aud })).toEqual(
      rfc.claims,
    )
  })

  it('tokens of now verify with jose, and a changed byte does not verify', async () => {
    useBackend(name)
    const key = await importVapidKey((await generateVapidKeys()).privateKey)
    const exp = Math.floor(Date.now() / 1000) + 3600
    const claims = { aud: 'https://push.example.net', exp, sub: 'mailto:ops@example.com' }
    const input = `${base64urlEncode(utf8('{"typ":"JWT","alg":"ES256"}'))}.${base64urlEncode(utf8(JSON.stringify(claims)))}`
    const signature = key.signSync(utf8(input))
    const token = `${input}.${base64urlEncode(signature)}`
    expect(await joseVerify(token, key.applicationServerKey, claims.aud)).toMatchObject(claims)
    expect(nodeVerifies(token, key.publicKeyPEM())).toBe(true)
    const other = `${input.slice(0, -1)}${input.endsWith('A') ? 'B' : 'A'}.${base64urlEncode(signature)}`
    expect(nodeVerifies(other, key.publicKeyPEM())).toBe(false)
    // And the asynchronous sign verifies the same way: the two are one signer.
    expect(nodeVerifies(`${input}.${base64urlEncode(await key.sign(utf8(input)))}`, key.publicKeyPEM())).toBe(true)
  })

  it('imports the key into the backend once, not per signature', () => {
    const backend = syncBackendByName(name)
    useBackend(name)
    const imports = vi.spyOn(backend, 'importSigningKey')
    const key = importVapidKeySync(
      'WpBdI0qmYjNyhIXqhrIQ_X0cCQhJqg5aH1ClYNTmB2g', // any valid scalar
    )
    for (let i = 0; i < 20; i++) expect(key.signSync(utf8(`message ${i}`))).toHaveLength(64)
    expect(imports).toHaveBeenCalledTimes(1)
  })
})

describe('signSync', () => {
  it('never calls WebCrypto, even when WebCrypto is the default backend', async () => {
    const key = await importVapidKey((await generateVapidKeys()).privateKey)
    const subtle = globalThis.crypto.subtle
    const spies = (['importKey', 'sign'] as const).map((method) => vi.spyOn(subtle, method))
    useBackend('webcrypto')
    const signature = key.signSync(utf8('data'))
    expect(signature).not.toBeInstanceOf(Promise)
    for (const spy of spies) expect(spy).not.toHaveBeenCalled()
    const token = `${base64urlEncode(utf8('a'))}.${base64urlEncode(utf8('b'))}`
    expect(nodeVerifies(`${token}.${base64urlEncode(key.signSync(utf8(token)))}`, key.publicKeyPEM())).toBe(true)
  })

  it('refuses data that is not bytes with ERR_WP_INVALID_ARGUMENT', async () => {
    const key = await importVapidKey((await generateVapidKeys()).privateKey)
    for (const data of ['text', null, undefined, [1, 2, 3]])
      await expectCode(() => key.signSync(data as unknown as Uint8Array), 'ERR_WP_INVALID_ARGUMENT')
  })
})
