/** Reading VAPID credentials as a push service does: RFC 8292 §3 `vapid t=, k=` and the aesgcm-era `WebPush` + `Crypto-Key`. */
import { base64urlEncode } from '@wp/ece/utils'
import { beforeAll, describe, expect, it } from 'vitest'
import webpush from 'web-push'
import {
  generateVapidKeys,
  importVapidKey,
  parseVapidAuthorization,
  signVapidToken,
  type VapidKey,
  vapidHeaders,
  verifyVapidToken,
} from '../src/index.js'
import { AUDIENCE, ENDPOINT, expectCode, SUBJECT } from './helpers.js'

let key: VapidKey
let token: string
let k: string
beforeAll(async () => {
  key = await importVapidKey((await generateVapidKeys()).privateKey)
  token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT })
  k = key.applicationServerKey
})

/** Parses, checks the result is `token` and `key`'s point, and returns the scheme. */
function parsed(authorization: string, cryptoKey?: string): string {
  const result = parseVapidAuthorization(authorization, cryptoKey)
  expect(result.token).toBe(token)
  expect(result.publicKey).toEqual(key.publicKey)
  return result.scheme
}

describe('parseVapidAuthorization: tokens made by senders', () => {
  it.each(['aes128gcm', 'aesgcm'] as const)(
    'vapidHeaders, %s: parses, and the token verifies with the key read',
    async (encoding) => {
      const headers = await vapidHeaders({ key, endpoint: ENDPOINT, subject: SUBJECT, encoding })
      const result = parseVapidAuthorization(headers.Authorization as string, headers['Crypto-Key'])
      expect(result.scheme).toBe(encoding === 'aes128gcm' ? 'vapid' : 'webpush')
      expect(result.publicKey).toEqual(key.publicKey)
      const claims = await verifyVapidToken(result.token, result.publicKey, { audience: AUDIENCE })
      expect(claims).toMatchObject({ aud: AUDIENCE, sub: SUBJECT })
    },
  )

  it.each(['aes128gcm', 'aesgcm'] as const)(
    'web-push getVapidHeaders, %s: parses, and the token verifies',
    async (encoding) => {
      const pair = webpush.generateVAPIDKeys()
      const headers = webpush.getVapidHeaders(AUDIENCE, SUBJECT, pair.publicKey, pair.privateKey, encoding)
      const result = parseVapidAuthorization(headers.Authorization as string, headers['Crypto-Key'])
      expect(result.scheme).toBe(encoding === 'aes128gcm' ? 'vapid' : 'webpush')
      expect(base64urlEncode(result.publicKey)).toBe(pair.publicKey)
      expect((await verifyVapidToken(result.token, result.publicKey, { audience: AUDIENCE })).sub).toBe(SUBJECT)
    },
  )
})

describe('parseVapidAuthorization: the forms RFC 8292 §3 and RFC 9110 §11 allow', () => {
  it('vapid: any case, any order, whitespace around "=" and ",", empty list elements, other parameters', () => {
    for (const header of [
      `vapid t=${token}, k=${k}`,
      `vapid t=${token},k=${k}`,
      `VAPID t=${token}, k=${k}`,
      `Vapid T=${token}, K=${k}`,
      `vapid k=${k}, t=${token}`,
      `vapid   t = ${token} ,\tk =\t${k}  `,
      `  vapid\tt=${token}, k=${k}`,
      `vapid , t=${token},, k=${k},`,
      `vapid t=${token}, x=1, k=${k}, foo="bar, baz"`,
    ])
      expect(parsed(header), header).toBe('vapid')
  })

  it('vapid: quoted values, with backslash escapes (RFC 9110 §5.6.4)', () => {
    expect(parsed(`vapid t="${token}", k="${k}"`)).toBe('vapid')
    const escaped = `${token.slice(0, 10)}\\${token.slice(10)}`
    expect(parsed(`vapid t="${escaped}", k=${k}`)).toBe('vapid')
  })

  it('vapid: a key with base64 padding, as some older senders write it', () => {
    expect(parsed(`vapid t=${token}, k=${k}=`)).toBe('vapid')
  })

  it('vapid ignores a Crypto-Key header', () => {
    expect(parsed(`vapid t=${token}, k=${k}`, 'p256ecdsa=garbage')).toBe('vapid')
  })

  it('WebPush and Bearer, in any case, with the key in Crypto-Key p256ecdsa among other parameters', () => {
    // The aesgcm Crypto-Key also carries the sender's ECDH key, dh, which is not read here.
    const dh = base64urlEncode(new Uint8Array(65).fill(4))
    for (const [authorization, cryptoKey] of [
      [`WebPush ${token}`, `p256ecdsa=${k}`],
      [`webpush ${token}`, `dh=${dh};p256ecdsa=${k}`],
      [`WEBPUSH  ${token} `, `keyid=p256dh;dh=${dh}, p256ecdsa=${k}`],
      [`Bearer ${token}`, `p256ecdsa="${k}"`],
    ] as const)
      expect(parsed(authorization, cryptoKey), authorization).toBe('webpush')
  })
})

describe('parseVapidAuthorization: malformed credentials, each ERR_WP_VAPID_TOKEN', () => {
  const point = (): Uint8Array => Uint8Array.from(key.publicKey)
  const table: [string, () => [unknown, unknown?]][] = [
    ['no scheme', () => [`t=${token}, k=${k}`]],
    ['another scheme', () => [`Basic ${token}`]],
    ['an empty header', () => ['']],
    ['whitespace only', () => ['   ']],
    ['the scheme alone', () => ['vapid']],
    ['no space after the scheme', () => [`vapidt=${token}, k=${k}`]],
    ['a scheme glued to a quote', () => [`vapid"t=${token}"`]],
    ['no t', () => [`vapid k=${k}`]],
    ['no k', () => [`vapid t=${token}`]],
    ['t twice', () => [`vapid t=${token}, t=${token}, k=${k}`]],
    ['k twice', () => [`vapid t=${token}, k=${k}, K=${k}`]],
    ['an empty t', () => [`vapid t=, k=${k}`]],
    ['an empty quoted k', () => [`vapid t=${token}, k=""`]],
    ['a parameter without "="', () => [`vapid t ${token}, k=${k}`]],
    ['a parameter without a name', () => [`vapid =${token}, k=${k}`]],
    ['an unterminated quote', () => [`vapid t="${token}, k=${k}`]],
    ['a backslash at the very end', () => [`vapid k=${k}, t="${token}\\`]],
    ['two values without a comma', () => [`vapid t=${token} k=${k}`]],
    ['t with padding', () => [`vapid t=${token}=, k=${k}`]],
    ['t of two parts', () => [`vapid t=${token.split('.').slice(0, 2).join('.')}, k=${k}`]],
    ['t of four parts', () => [`vapid t=${token}.abc, k=${k}`]],
    ['t with an empty part', () => [`vapid t=${token.replace(/\.[^.]+\./, '..')}, k=${k}`]],
    ['t starting with a dot', () => [`vapid t=.${token}, k=${k}`]],
    ['t with a character outside base64url', () => [`vapid t=${token.replace('.', '+.')}, k=${k}`]],
    ['t in standard base64', () => [`vapid t=${token.replace(/-/g, '+').replace(/_/g, '/')}x+/, k=${k}`]],
    ['k not base64url', () => [`vapid t=${token}, k=${k.slice(0, 40)}+${k.slice(41)}`]],
    ['k of 64 bytes', () => [`vapid t=${token}, k=${base64urlEncode(key.publicKey.subarray(1))}`]],
    [
      'k compressed',
      () => [`vapid t=${token}, k=${base64urlEncode(Uint8Array.of(2, ...key.publicKey.subarray(1, 33)))}`],
    ],
    [
      'k off the curve',
      () => {
        const p = point()
        p[64] = (p[64] as number) ^ 1
        return [`vapid t=${token}, k=${base64urlEncode(p)}`]
      },
    ],
    ['WebPush without Crypto-Key', () => [`WebPush ${token}`]],
    ['WebPush with Crypto-Key null', () => [`WebPush ${token}`, null]],
    ['WebPush with Crypto-Key not a string', () => [`WebPush ${token}`, 42]],
    ['WebPush with no p256ecdsa', () => [`WebPush ${token}`, 'dh=abc']],
    ['WebPush with an empty p256ecdsa', () => [`WebPush ${token}`, 'p256ecdsa=']],
    ['WebPush with a bad p256ecdsa', () => [`WebPush ${token}`, 'p256ecdsa=!!!']],
    ['WebPush without a token', () => ['WebPush ', `p256ecdsa=${k}`]],
    ['WebPush with two tokens', () => [`WebPush ${token} ${token}`, `p256ecdsa=${k}`]],
    ['WebPush with vapid parameters', () => [`WebPush t=${token}, k=${k}`, `p256ecdsa=${k}`]],
    ['Authorization undefined', () => [undefined]],
    ['Authorization null', () => [null]],
    ['Authorization a number', () => [42]],
    ['Authorization bytes', () => [new TextEncoder().encode(`vapid t=${token}, k=${k}`)]],
    ['Authorization over 8 KiB', () => [`vapid t=${token}, k=${k}, x=${'a'.repeat(8192)}`]],
    ['Crypto-Key over 8 KiB', () => [`WebPush ${token}`, `p256ecdsa=${k};x=${'a'.repeat(8192)}`]],
  ]

  it.each(table)('%s', async (_name, input) => {
    const [authorization, cryptoKey] = input()
    const error = await expectCode(
      () => parseVapidAuthorization(authorization as string, cryptoKey as string),
      'ERR_WP_VAPID_TOKEN',
    )
    // The token is a credential for its lifetime: never in a message.
    expect(error.message).not.toContain(token.split('.')[2])
  })

  it('takes a header of exactly 8 KiB', () => {
    const header = `vapid t=${token}, k=${k}, x=`
    expect(parsed(header + 'a'.repeat(8192 - header.length))).toBe('vapid')
  })
})

describe('parseVapidAuthorization: bounded, linear work', () => {
  /** Far above what a linear parser takes for these inputs (a few ms); a quadratic one takes minutes. */
  const BUDGET_MS = 3000
  const ROUNDS = 100
  const MAX = 8192
  const fill = (prefix: string, unit: string, suffix = ''): string =>
    prefix + unit.repeat(Math.floor((MAX - prefix.length - suffix.length) / unit.length)) + suffix

  it(`parses ${ROUNDS} rounds of hostile 8 KiB values in well under ${BUDGET_MS} ms`, async () => {
    const hostile = [
      fill('', 'a'),
      fill('vapid ', ','),
      fill('vapid ', ' '),
      fill('vapid ', 'x=1,'),
      fill('vapid ', 'x="",'),
      fill('vapid t="', '\\a'),
      fill('vapid t="', 'a'),
      fill('vapid ', 'x=\\", '),
      fill(`vapid k=${k}, t=`, 'a.'),
      fill(`vapid k=${k}, t=`, 'a'),
      fill('WebPush ', 'a'),
      fill('WebPush ', 'a '),
    ]
    for (const header of hostile) expect(header.length).toBeLessThanOrEqual(MAX)
    const started = performance.now()
    for (let round = 0; round < ROUNDS; round++)
      for (const header of hostile) {
        try {
          parseVapidAuthorization(header, fill('p256ecdsa=', 'a;'))
        } catch {
          // Each is refused; the time is what is measured.
        }
        if (performance.now() - started > BUDGET_MS) break
      }
    expect(performance.now() - started).toBeLessThan(BUDGET_MS)
  })

  it('refuses a 16 MiB value without reading it', async () => {
    const huge = `vapid t=${token}, k=${k}, x=${'a'.repeat(16 * 1024 * 1024)}`
    const started = performance.now()
    for (let i = 0; i < 100; i++) await expectCode(() => parseVapidAuthorization(huge), 'ERR_WP_VAPID_TOKEN')
    expect(performance.now() - started).toBeLessThan(BUDGET_MS)
  })
})
