/**
 * RFC 8292 as data (test/vectors/rfc8292.json): the example token of §2.4 and header of §3, read
 * and verified as a push service does, and the same token broken in each way a verifier must
 * refuse, on every crypto backend. Then our signer's JWT and header, byte for byte, against §2.4 and §3.1.
 */
import { readFileSync } from 'node:fs'
import { useBackend } from '@wp/ece/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseVapidAuthorization, type VapidClaims, verifyVapidToken } from '../src/index.js'
import { buildHeaders } from '../src/internal/build-headers.js'
import { signClaims } from '../src/internal/claims.js'
import { backends, expectCode } from './helpers.js'

interface Vector {
  tcId: number
  comment: string
  token?: string
  authorization?: string
  cryptoKey?: string
  publicKey?: string
  now: number
  audience?: string
  result: 'valid' | 'invalid'
  code: string | null
  claims?: VapidClaims
}

const file = JSON.parse(readFileSync(new URL('./vectors/rfc8292.json', import.meta.url), 'utf8')) as {
  tests: Vector[]
}
const vectors = file.tests

/** Reads the credentials of a vector (a header, or a token and a key) and verifies the token. */
async function check(vector: Vector): Promise<VapidClaims> {
  const { token, publicKey } =
    vector.authorization === undefined
      ? { token: vector.token as string, publicKey: vector.publicKey as string | Uint8Array }
      : parseVapidAuthorization(vector.authorization, vector.cryptoKey)
  return verifyVapidToken(token, publicKey, {
    now: vector.now,
    ...(vector.audience === undefined ? {} : { audience: vector.audience }),
  })
}

it('the vector file: unique ids, a code for every invalid case, claims for every valid one', () => {
  expect(new Set(vectors.map((v) => v.tcId)).size).toBe(vectors.length)
  for (const v of vectors) {
    expect(v.result === 'valid' || v.result === 'invalid', String(v.tcId)).toBe(true)
    expect(v.token !== undefined || v.authorization !== undefined, String(v.tcId)).toBe(true)
    if (v.result === 'valid') expect(v.claims, String(v.tcId)).toBeDefined()
    else expect(v.code, String(v.tcId)).toMatch(/^ERR_WP_VAPID_(TOKEN|KEY)$/)
  }
  expect(vectors.filter((v) => v.result === 'valid').length).toBeGreaterThanOrEqual(5)
  expect(vectors.filter((v) => v.result === 'invalid').length).toBeGreaterThanOrEqual(20)
})

describe.each(backends)('the %s backend', (name) => {
  beforeAll(() => useBackend(name))
  afterAll(() => useBackend('node'))

  it.each(vectors.map((v) => [v.tcId, v.comment, v] as const))('#%i %s', async (_id, _comment, vector) => {
    if (vector.result === 'valid') expect(await check(vector)).toEqual(vector.claims)
    else await expectCode(() => check(vector), vector.code as string)
  })
})

describe('what we write, against RFC 8292', () => {
  const [rfc] = vectors
  const token = rfc?.token as string
  const key = rfc?.publicKey as string

  it('§2.4: the same claims give the example JWS header and payload, byte for byte', async () => {
    let signed = ''
    const ours = await signClaims(
      {
        async sign(data) {
          signed = new TextDecoder().decode(data)
          return new Uint8Array(64)
        },
      },
      rfc?.claims as VapidClaims,
    )
    const [header, payload] = token.split('.')
    expect(signed).toBe(`${header}.${payload}`)
    expect(ours.startsWith(`${header}.${payload}.`)).toBe(true)
  })

  it('§3.1: the header of a token and key is the example header', () => {
    expect(buildHeaders('aes128gcm', token, key)).toEqual({ Authorization: `vapid t=${token}, k=${key}` })
    expect(vectors.find((v) => v.tcId === 2)?.authorization).toBe(`vapid t=${token}, k=${key}`)
  })
})
