/**
 * The private-network guard: endpoints on loopback, private, link-local and unspecified addresses,
 * and names that resolve to them, are refused before any request reaches a server.
 */
import { readFileSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isPrivateAddress, isPrivateHostName } from '../src/address.js'
import { createFetchTransport, NetworkError } from '../src/index.node.js'
import { guardedLookup, type Lookup, openSocket } from '../src/node/connect.js'
import { checkRequest } from '../src/request.js'
import { makeCert, rejection, startServer, type TestServer, transports } from './servers.js'

/** Names in /etc/hosts that point at loopback but that no rule on names catches (`vm`, the host name...). */
function loopbackNames(): string[] {
  let hosts = ''
  try {
    hosts = readFileSync('/etc/hosts', 'utf8')
  } catch {
    return []
  }
  const names: string[] = []
  for (const line of hosts.split('\n')) {
    const [address, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/)
    if (address === undefined || !/^127\./.test(address)) continue
    for (const name of aliases) if (name !== '' && !isPrivateHostName(name) && !name.includes(':')) names.push(name)
  }
  return names
}

const resolving = loopbackNames()
const body = new Uint8Array([1, 2, 3])

const forbiddenHosts = [
  '127.0.0.1',
  '127.1.2.3',
  '[::1]',
  '10.0.0.1',
  '172.16.0.1',
  '172.31.255.254',
  '192.168.1.1',
  '169.254.169.254',
  '100.64.0.1',
  '[fc00::1]',
  '[fd00:ec2::254]',
  '[fe80::1]',
  '[::ffff:127.0.0.1]',
  '[::ffff:169.254.169.254]',
  '[::]',
  '0.0.0.0',
  '0',
  '2130706433',
  '0x7f.0.0.1',
  '0177.0.0.1',
  '127.1',
  'localhost',
  'LOCALHOST',
  'localhost.',
  'push.localhost',
  'printer.local',
  'metadata.google.internal',
]

describe('the private-network guard (allowPrivateNetwork false)', () => {
  let https: TestServer
  let http: TestServer
  const { make, closeAll } = transports({ timeoutMs: 2000, retry: { baseDelayMs: 10 } })
  beforeAll(async () => {
    ;[https, http] = await Promise.all([startServer('https'), startServer('http')])
  })
  afterEach(async () => {
    await closeAll()
    expect(https.connections).toBe(0)
    expect(http.connections).toBe(0)
    expect(https.requests).toHaveLength(0)
    expect(http.requests).toHaveLength(0)
  })
  afterAll(() => Promise.all([https.close(), http.close()]))

  describe.each(['auto', true, false] as const)('node transport, http2: %s', (http2) => {
    it.each(forbiddenHosts)('refuses https://%s', async (host) => {
      const error = await rejection(
        make({ http2, ca: makeCert().cert }).send({ endpoint: https.url('/push/1', host), headers: {}, body }),
      )
      expect(error.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
    })

    it('refuses a name that resolves only to loopback, and connects to nothing', async () => {
      // An injected resolver stands in for DNS: every name this test uses resolves to 127.0.0.1 or ::1.
      const seen: string[] = []
      const lookup: Lookup = (hostname, _options, callback) => {
        seen.push(hostname)
        callback(null, [
          { address: '127.0.0.1', family: 4 },
          { address: '::1', family: 6 },
        ])
      }
      for (const name of ['push.example.test', ...resolving]) {
        const error = await rejection(
          make({ http2, ca: makeCert().cert, lookup }).send({
            endpoint: https.url('/push/1', name),
            headers: {},
            body,
          }),
        )
        expect(error.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
      }
      expect(seen).toContain('push.example.test')
    })

    it('uses only the public addresses of a name that resolves to public and private ones', async () => {
      // Nothing connects here: the guarded resolver alone must hand on the public address only.
      const lookup: Lookup = (_hostname, _options, callback) =>
        callback(null, [
          { address: '127.0.0.1', family: 4 },
          { address: '8.8.8.8', family: 4 },
        ])
      const picked: string[] = []
      guardedLookup('https://push.example.test/x', false, lookup)(
        'push.example.test',
        { all: true },
        (error, addresses) => {
          expect(error).toBeNull()
          for (const a of addresses as { address: string }[]) picked.push(a.address)
        },
      )
      expect(picked).toEqual(['8.8.8.8'])
    })
  })

  it('refuses http: endpoints, even on a public-looking host, without any I/O', async () => {
    for (const endpoint of ['http://push.example.com/x', http.url(), http.url('/x', 'localhost')]) {
      const error = await rejection(make().send({ endpoint, headers: {}, body }))
      expect(error.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
    }
  })

  it('checks the endpoint before the signal or the closed state could matter', async () => {
    const transport = make()
    const error = await rejection(
      transport.send({ endpoint: https.url(), headers: {}, body }, { signal: AbortSignal.timeout(1000) }),
    )
    expect(error.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
  })

  it.each(forbiddenHosts)('fetch transport refuses https://%s without calling fetch', async (host) => {
    let calls = 0
    const transport = createFetchTransport({
      fetch: (...args) => {
        calls++
        return fetch(...args)
      },
    })
    try {
      const error = await rejection(transport.send({ endpoint: https.url('/push/1', host), headers: {}, body }))
      expect(error.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
      expect(calls).toBe(0)
    } finally {
      await transport.close()
    }
  })
})

describe('allowPrivateNetwork true', () => {
  let https: TestServer
  let http: TestServer
  let h2: TestServer
  const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 2000, retry: { baseDelayMs: 10 } })
  beforeAll(async () => {
    ;[https, http, h2] = await Promise.all([startServer('https'), startServer('http'), startServer('h2')])
  })
  afterEach(closeAll)
  afterAll(() => Promise.all([https.close(), http.close(), h2.close()]))

  it.each(['127.0.0.1', 'localhost', ...resolving])('allows https://%s', async (host) => {
    // The certificate names localhost and 127.0.0.1; other names are only checked for reaching the server.
    const trusted = host === 'localhost' || host === '127.0.0.1'
    const transport = make({ ca: makeCert().cert })
    if (trusted) {
      expect((await transport.send({ endpoint: https.url('/x', host), headers: {}, body })).outcome).toBe('created')
      expect((await transport.send({ endpoint: h2.url('/x', host), headers: {}, body })).protocol).toBe('h2')
    } else {
      const before = https.connections
      const error = await rejection(transport.send({ endpoint: https.url('/x', host), headers: {}, body }))
      // The name passed the guard and reached the server, where TLS refused the certificate's name.
      expect(error.code).toBe('ERR_WP_NETWORK')
      expect(https.connections).toBeGreaterThan(before)
    }
  })

  it.each(['127.0.0.1', 'localhost', ...resolving])('allows http://%s', async (host) => {
    expect((await make().send({ endpoint: http.url('/x', host), headers: {}, body })).outcome).toBe('created')
  })

  it('allows http: and private hosts in the fetch transport', async () => {
    const transport = createFetchTransport({ allowPrivateNetwork: true })
    try {
      expect((await transport.send({ endpoint: http.url(), headers: {}, body })).outcome).toBe('created')
    } finally {
      await transport.close()
    }
  })
})

describe('guardedLookup', () => {
  const lookup = (hostname: string, allow: boolean, all: boolean) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number | undefined }>((resolve) =>
      guardedLookup('https://push.example/x', allow)(hostname, { all }, (error, address, family) =>
        resolve({ error, address, family }),
      ),
    )

  it.each(['localhost', ...resolving])('refuses %s, which resolves to loopback', async (name) => {
    for (const all of [false, true]) {
      const { error } = await lookup(name, false, all)
      expect(error?.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
    }
  })

  it('gives the loopback address when private networks are allowed', async () => {
    const one = await lookup('localhost', true, false)
    expect(one.error).toBeNull()
    expect(isPrivateAddress(one.address as string)).toBe(true)
    expect([4, 6]).toContain(one.family)
    const all = await lookup('localhost', true, true)
    expect(all.error).toBeNull()
    expect((all.address as { address: string }[]).length).toBeGreaterThan(0)
  })

  it('refuses IP literals it is given', async () => {
    for (const literal of ['127.0.0.1', '10.1.2.3', '::1']) {
      const { error } = await lookup(literal, false, false)
      expect(error?.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
    }
  })
})

describe('openSocket', () => {
  it.each(['127.0.0.1', '[::1]', '169.254.169.254', '::ffff:10.0.0.1'])(
    'refuses %s before connecting',
    async (hostname) => {
      const error = await rejection(
        openSocket({ protocol: 'https:', hostname, port: 1, endpoint: 'https://x/' }, ['h2'], {
          allowPrivateNetwork: false,
          proxy: undefined,
          ca: undefined,
        }),
      )
      expect(error.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
    },
  )

  it('wraps a failure that only looks coded (a plain error with an ERR_WP_ code) as a NetworkError', async () => {
    const fake = Object.assign(new Error('resolver failed'), { code: 'ERR_WP_ENDPOINT_FORBIDDEN' })
    const error = await rejection(
      openSocket(
        { protocol: 'http:', hostname: 'push.example', port: 80, endpoint: 'http://push.example/' },
        undefined,
        {
          allowPrivateNetwork: false,
          proxy: undefined,
          ca: undefined,
          lookup: (_hostname, _options, callback) => callback(fake, []),
        },
      ),
    )
    expect(error).toBeInstanceOf(NetworkError)
    expect(error).toMatchObject({ code: 'ERR_WP_NETWORK', notWritten: true })
    expect(error.cause).toBe(fake)
  })
})

/**
 * Addresses in special-purpose blocks beyond loopback and RFC 1918, and forms that embed a private
 * IPv4 address. Judged here without any I/O (the request check and the guarded resolver, with an
 * injected lookup), so a regression can never send traffic to them.
 */
const specialPurpose = [
  '192.88.99.1',
  '192.0.0.9',
  '198.18.0.1',
  '240.0.0.1',
  '::ffff:0:7f00:1',
  '64:ff9b:1::808:808',
  '64:ff9b::a9fe:a9fe',
  '2001:0:4136:e378:8000:63bf:3fff:fdd2',
  '2001:2::1',
  '2001:db8::1',
  '2002:a9fe:a9fe::1',
  '3fff::1',
  '5f00::1',
  '100:0:0:1::1',
  'fec0::1',
  '4000::1',
]

describe('special-purpose blocks, judged before any I/O', () => {
  const bracket = (a: string) => (a.includes(':') ? `[${a}]` : a)

  it.each(specialPurpose)('the request check refuses https://%s', (address) => {
    expect(() => checkRequest({ endpoint: `https://${bracket(address)}/push`, headers: {} }, false)).toThrow(
      expect.objectContaining({ code: 'ERR_WP_ENDPOINT_FORBIDDEN' }),
    )
    expect(checkRequest({ endpoint: `https://${bracket(address)}/push`, headers: {} }, true).url.hostname).toBe(
      new URL(`https://${bracket(address)}/`).hostname,
    )
  })

  it('the guarded resolver refuses a name that resolves only to them', async () => {
    const lookup: Lookup = (_hostname, _options, callback) =>
      callback(
        null,
        specialPurpose.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      )
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup('https://push.example.test/x', false, lookup)('push.example.test', { all: true }, resolve),
    )
    expect(error?.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
  })
})
