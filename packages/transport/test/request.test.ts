/** Bad requests and bad options are refused with ERR_WP_INVALID_ARGUMENT before any I/O. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createFetchTransport, createTransport, type PushRequest, type Transport } from '../src/index.node.js'
import { makeCert, rejection, sleep, startServer, type TestServer } from './servers.js'

const badRequests = (url: string): [string, unknown][] => [
  ['no request', undefined],
  ['null', null],
  ['a string', url],
  ['no endpoint', { headers: {} }],
  ['an endpoint that is not a string', { endpoint: new URL(url), headers: {} }],
  ['an endpoint that is not a URL', { endpoint: 'not a url', headers: {} }],
  ['a relative endpoint', { endpoint: '/push/abc', headers: {} }],
  ['an ftp: endpoint', { endpoint: url.replace(/^https?:/, 'ftp:'), headers: {} }],
  ['a ws: endpoint', { endpoint: url.replace(/^https?:/, 'ws:'), headers: {} }],
  ['a file: endpoint', { endpoint: 'file:///etc/passwd', headers: {} }],
  ['credentials in the endpoint', { endpoint: url.replace('://', '://user:pass@'), headers: {} }],
  ['headers that are not an object', { endpoint: url, headers: 'TTL: 60' }],
  ['headers null', { endpoint: url, headers: null }],
  ['a CR LF in a header value', { endpoint: url, headers: { TTL: '60\r\nX-Injected: 1' } }],
  ['a LF in a header value', { endpoint: url, headers: { TTL: '60\nX: 1' } }],
  ['a CR in a header value', { endpoint: url, headers: { TTL: '60\r' } }],
  ['a NUL in a header value', { endpoint: url, headers: { TTL: '6\u00000' } }],
  ['a control character in a header value', { endpoint: url, headers: { Topic: 'a\u0001b' } }],
  ['DEL in a header value', { endpoint: url, headers: { Topic: 'a\u007fb' } }],
  ['a character above Latin-1 in a header value', { endpoint: url, headers: { Topic: 'caf\u20ac' } }],
  ['a CR LF in a header name', { endpoint: url, headers: { 'TTL\r\nX': '60' } }],
  ['a space in a header name', { endpoint: url, headers: { 'Bad Name': '1' } }],
  ['a colon in a header name', { endpoint: url, headers: { 'Bad:Name': '1' } }],
  ['an empty header name', { endpoint: url, headers: { '': '1' } }],
  ['a pseudo-header', { endpoint: url, headers: { ':path': '/x' } }],
  ['duplicate header names in different case', { endpoint: url, headers: { TTL: '60', ttl: '60' } }],
  [
    'duplicate Content-Encoding in different case',
    { endpoint: url, headers: { 'Content-Encoding': 'aes128gcm', 'content-encoding': 'aesgcm' } },
  ],
  ['a header value that is an object', { endpoint: url, headers: { TTL: { toString: () => '60' } } }],
  ['a header value that is an array', { endpoint: url, headers: { TTL: ['60'] } }],
  ['a header value that is true', { endpoint: url, headers: { Urgency: true } }],
  ['Transfer-Encoding', { endpoint: url, headers: { 'Transfer-Encoding': 'chunked' } }],
  ['Connection', { endpoint: url, headers: { Connection: 'close' } }],
  ['Expect', { endpoint: url, headers: { Expect: '100-continue' } }],
  ['Upgrade', { endpoint: url, headers: { Upgrade: 'h2c' } }],
  [
    'a Content-Length that is not the body length',
    { endpoint: url, headers: { 'Content-Length': '4' }, body: new Uint8Array(3) },
  ],
  ['a body that is a string', { endpoint: url, headers: {}, body: 'hello' }],
  ['a body that is an array', { endpoint: url, headers: {}, body: [1, 2, 3] }],
  ['a body that is an ArrayBuffer', { endpoint: url, headers: {}, body: new ArrayBuffer(3) }],
  ['a body that is a DataView', { endpoint: url, headers: {}, body: new DataView(new ArrayBuffer(3)) }],
  ['a body that is a Uint16Array', { endpoint: url, headers: {}, body: new Uint16Array(3) }],
  ['a body that is null', { endpoint: url, headers: {}, body: null }],
]

describe('bad requests', () => {
  let http: TestServer
  let https: TestServer
  let h2: TestServer
  const open: Transport[] = []
  let calls = 0
  const counting: typeof fetch = (input, init) => {
    calls++
    return fetch(input, init)
  }
  beforeAll(async () => {
    ;[http, https, h2] = await Promise.all([startServer('http'), startServer('https'), startServer('h2')])
  })
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()))
    for (const server of [http, https, h2]) server.reset()
    calls = 0
  })
  afterAll(() => Promise.all([http, https, h2].map((server) => server.close())))
  const ca = () => makeCert().cert

  const kinds = {
    'node transport (http)': () => [createTransport({ allowPrivateNetwork: true, retry: false }), http] as const,
    'node transport (https, http2: auto)': () =>
      [createTransport({ allowPrivateNetwork: true, retry: false, ca: ca() }), https] as const,
    'node transport (h2, http2: true)': () =>
      [createTransport({ allowPrivateNetwork: true, http2: true, retry: false, ca: ca() }), h2] as const,
    'fetch transport': () =>
      [createFetchTransport({ allowPrivateNetwork: true, fetch: counting, retry: false }), http] as const,
  }

  describe.each(Object.entries(kinds))('%s', (_, make) => {
    it.each(badRequests('http://127.0.0.1:1/push/abc').map(([name]) => name))('refuses %s', async (name) => {
      const [transport, server] = make()
      open.push(transport)
      const request = (badRequests(server.url()).find(([n]) => n === name) as [string, unknown])[1]
      const error = await rejection(transport.send(request as PushRequest))
      expect(error.code).toBe('ERR_WP_INVALID_ARGUMENT')
      await sleep(2)
      expect(http.connections + https.connections + h2.connections).toBe(0)
      expect(calls).toBe(0)
    })

    it('takes numbers as header values, a matching Content-Length and an absent body', async () => {
      const [transport, server] = make()
      const url = server.url()
      open.push(transport)
      // Refusals come as rejections, never as throws.
      expect(() => transport.send({ endpoint: 'nope', headers: {} }).catch(() => {})).not.toThrow()
      const ok = [
        { endpoint: url, headers: { TTL: 60 as unknown as string } },
        { endpoint: url, headers: { 'Content-Length': '3' }, body: new Uint8Array(3) },
        { endpoint: url, headers: { 'content-length': '0' } },
        { endpoint: url, headers: { Topic: 'caf\u00e9\tok' } },
        { endpoint: url, headers: { TTL: '60', Absent: undefined as unknown as string } },
      ]
      for (const request of ok) expect((await transport.send(request)).outcome).toBe('created')
      expect(server.requests.map((r) => r.headers['content-length'])).toEqual(['0', '3', '0', '0', '0'])
      expect(server.requests[3]?.headers.topic).toBe('caf\u00e9\tok')
      expect(server.requests[4]?.headers.absent).toBeUndefined()
    })
  })

  it('refuses bad options when the transport is made', () => {
    const bad = [
      { timeoutMs: 0 },
      { timeoutMs: -1 },
      { timeoutMs: Number.NaN },
      { timeoutMs: '1000' },
      { retry: { retries: -1 } },
      { retry: { retries: 1.5 } },
      { retry: { retries: 100 } },
      { retry: { maxDelayMs: -1 } },
      { retry: { baseDelayMs: -1 } },
      { http2: 'yes' },
      { maxConnectionsPerOrigin: 0 },
      { maxConnectionsPerOrigin: 1.5 },
      { proxy: 'ftp://proxy:21' },
      { proxy: 'proxy:3128' },
    ]
    for (const options of bad) {
      expect(() => createTransport(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT' }),
      )
    }
    expect(() => createFetchTransport({ fetch: 'nope' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT' }),
    )
  })
})
