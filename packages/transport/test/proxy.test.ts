/** Through a real HTTP CONNECT proxy on 127.0.0.1 to HTTP/1.1 and HTTP/2 servers. */
import { lookup } from 'node:dns/promises'
import { type AddressInfo, createServer, type Socket } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  freePort,
  makeCert,
  rejection,
  startProxy,
  startServer,
  type TestProxy,
  type TestServer,
  transports,
} from './servers.js'

const body = Uint8Array.from({ length: 500 }, (_, i) => i % 256)
const headers = { TTL: '60', 'Content-Encoding': 'aes128gcm' }

describe('HTTP CONNECT proxy', () => {
  let proxy: TestProxy
  let h1: TestServer
  let h2: TestServer
  let plain: TestServer
  const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 2000, retry: { baseDelayMs: 10 } })
  beforeAll(async () => {
    ;[proxy, h1, h2, plain] = await Promise.all([
      startProxy(),
      startServer('https', { alpn: ['http/1.1'] }),
      startServer('h2', { allowHTTP1: true }),
      startServer('http'),
    ])
  })
  afterEach(async () => {
    await closeAll()
    for (const server of [h1, h2, plain]) server.reset()
    proxy.tunnels = 0
    proxy.heads = []
  })
  afterAll(() => Promise.all([proxy.close(), h1.close(), h2.close(), plain.close()]))
  const options = () => ({ proxy: proxy.url, ca: makeCert().cert })

  it('reaches an https HTTP/1.1 server through one tunnel', async () => {
    const transport = make(options())
    for (let i = 0; i < 5; i++) {
      const response = await transport.send({ endpoint: h1.url(`/push/${i}`), headers, body })
      expect(response).toMatchObject({ outcome: 'created', protocol: 'http/1.1' })
    }
    expect(proxy.tunnels).toBe(1)
    expect(proxy.heads[0]).toMatch(
      new RegExp(`^CONNECT 127\\.0\\.0\\.1:${h1.port} HTTP/1\\.1\\r\\nHost: 127\\.0\\.0\\.1:${h1.port}`),
    )
    expect(h1.requests).toHaveLength(5)
    expect(new Uint8Array(h1.requests[4]!.body)).toEqual(body)
  })

  it('reaches an HTTP/2 server through one tunnel, multiplexed', async () => {
    const transport = make(options())
    const all = Array.from({ length: 20 }, (_, i) => transport.send({ endpoint: h2.url(`/push/${i}`), headers, body }))
    const responses = await Promise.all(all)
    expect(responses.every((r) => r.protocol === 'h2')).toBe(true)
    expect(proxy.tunnels).toBe(1)
    expect(h2.connections).toBe(1)
    expect(h2.requests.every((r) => r.httpVersion === '2.0' && r.body.length === 500)).toBe(true)
  })

  it('uses HTTP/1.1 through the proxy with http2: false', async () => {
    const response = await make({ ...options(), http2: false }).send({ endpoint: h2.url(), headers, body })
    expect(response.protocol).toBe('http/1.1')
    expect(h2.requests[0]!.httpVersion).toBe('1.1')
  })

  it('uses HTTP/2 through the proxy with http2: true', async () => {
    const response = await make({ ...options(), http2: true }).send({ endpoint: h2.url(), headers, body })
    expect(response.protocol).toBe('h2')
  })

  it('tunnels plain http: endpoints too', async () => {
    const response = await make(options()).send({ endpoint: plain.url('/p?q=1'), headers, body })
    expect(response.outcome).toBe('created')
    expect(proxy.tunnels).toBe(1)
    expect(plain.requests[0]!.path).toBe('/p?q=1')
  })

  it('resolves the name itself and tunnels to the address, keeping the name for TLS', async () => {
    const response = await make(options()).send({ endpoint: h1.url('/x', 'localhost'), headers, body })
    expect(response.outcome).toBe('created')
    expect(proxy.heads[0]).toMatch(/^CONNECT (127\.0\.0\.1|\[::1\]):\d+ /)
  })

  it('sends the credentials of the proxy URL', async () => {
    const guarded = await startProxy({ auth: { user: 'pusher', pass: 'p@ss:w%rd' } })
    try {
      const response = await make({ proxy: guarded.url, ca: makeCert().cert }).send({
        endpoint: h1.url(),
        headers,
        body,
      })
      expect(response.outcome).toBe('created')
      expect(guarded.tunnels).toBe(1)
    } finally {
      await guarded.close()
    }
  })

  it('fails with ERR_WP_NETWORK when the proxy refuses the tunnel', async () => {
    const guarded = await startProxy({ auth: { user: 'pusher', pass: 'secret' } })
    try {
      const transport = make({ proxy: guarded.url.replace('secret', 'wrong'), ca: makeCert().cert, retry: false })
      const error = await rejection(transport.send({ endpoint: h1.url(), headers, body }))
      expect(error.code).toBe('ERR_WP_NETWORK')
      expect(guarded.tunnels).toBe(0)
      expect(h1.requests).toHaveLength(0)
    } finally {
      await guarded.close()
    }
  })

  it('fails with ERR_WP_NETWORK when no proxy listens', async () => {
    const port = await freePort()
    const transport = make({ proxy: `http://127.0.0.1:${port}`, ca: makeCert().cert, retry: false })
    expect((await rejection(transport.send({ endpoint: h1.url(), headers, body }))).code).toBe('ERR_WP_NETWORK')
  })

  it('times out when the proxy never answers the CONNECT', async () => {
    const sockets: Socket[] = []
    const mute = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve))
    try {
      const port = (mute.address() as AddressInfo).port
      const transport = make({ proxy: `http://127.0.0.1:${port}`, ca: makeCert().cert, timeoutMs: 300, retry: false })
      expect((await rejection(transport.send({ endpoint: h1.url(), headers, body }))).code).toBe('ERR_WP_TIMEOUT')
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => mute.close(() => resolve()))
    }
  })

  it('still guards the target: private addresses are refused before any tunnel', async () => {
    const transport = make({ proxy: proxy.url, ca: makeCert().cert, allowPrivateNetwork: false })
    for (const endpoint of [h1.url(), h1.url('/x', 'localhost'), h1.url('/x', '[::1]'), h1.url('/x', '10.0.0.1')]) {
      expect((await rejection(transport.send({ endpoint, headers, body }))).code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
    }
    expect(proxy.heads).toHaveLength(0)
  })

  it.each(['vm', 'runsc'])(
    'still guards names that resolve to loopback through the proxy (%s, if in /etc/hosts)',
    async (name) => {
      const resolved = await lookup(name).catch(() => undefined)
      if (resolved === undefined || !resolved.address.startsWith('127.')) return
      const transport = make({ proxy: proxy.url, ca: makeCert().cert, allowPrivateNetwork: false })
      expect((await rejection(transport.send({ endpoint: h1.url('/x', name), headers, body }))).code).toBe(
        'ERR_WP_ENDPOINT_FORBIDDEN',
      )
      expect(proxy.heads).toHaveLength(0)
    },
  )

  it('refuses a proxy URL that is not http:', () => {
    for (const bad of ['https://127.0.0.1:1', 'socks5://127.0.0.1:1', 'not a url'])
      expect(() => make({ proxy: bad })).toThrow(expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT' }))
  })
})
