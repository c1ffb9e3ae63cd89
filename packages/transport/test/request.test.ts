/** Bad requests and bad options are refused with ERR_WP_INVALID_ARGUMENT before any I/O. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createFetchTransport, createTransport, type PushRequest, type Transport } from '../src/index.node.js'
import { badRequests } from './bad-requests.js'
import { makeCert, rejection, sleep, startServer, type TestServer } from './servers.js'

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

  it.each([
    ['Host', 'evil.example'],
    ['HOST', 'evil.example'],
    ['TE', 'trailers'],
    ['Transfer-Encoding', 'chunked'],
    ['Connection', 'close'],
    ['Keep-Alive', 'timeout=5'],
    ['Proxy-Connection', 'keep-alive'],
    ['Upgrade', 'h2c'],
    ['HTTP2-Settings', 'AAMAAABk'],
    ['Expect', '100-continue'],
    ['Content-Length', '7'],
    [':authority', 'evil.example'],
  ])('names the header %s in the refusal', async (name, value) => {
    const transport = createTransport({ allowPrivateNetwork: true, retry: false })
    open.push(transport)
    const error = await rejection(transport.send({ endpoint: http.url(), headers: { TTL: '60', [name]: value } }))
    expect(error.code).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(error.message).toContain(name)
    expect(error.message).not.toContain(value === '7' ? 'never' : value)
    expect(http.connections).toBe(0)
  })

  it.each([
    ['X\r\nHost', '60', 'X\\u000d\\u000aHost'],
    ['TT\u0000L', '60', 'TT\\u0000L'],
    ['A\u009b2J\u202eB', '60', 'A\\u009b2J\\u202eB'],
    ['Content-Length', '\u009b2J', '\\u009b2J'],
  ])('keeps the controls of %j out of the refusal', async (name, value, shown) => {
    const transport = createTransport({ allowPrivateNetwork: true, retry: false })
    open.push(transport)
    const error = await rejection(transport.send({ endpoint: http.url(), headers: { [name]: value } }))
    expect(error.code).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(error.message).toContain(shown)
    expect(error.message).toMatch(/^[\x20-\x7e…]+$/)
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
