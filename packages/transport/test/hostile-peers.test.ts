/**
 * Servers that misbehave on purpose: subscription endpoints are chosen by whoever subscribes, so the
 * transport must stay bounded against any of them. Connections that stall at every stage, HTTP/2
 * server push, GOAWAY, informational answers and malformed proxy settings.
 */
import { spawn } from 'node:child_process'
import { constants as h2constants, type ServerHttp2Stream } from 'node:http2'
import { type AddressInfo, createServer as createNetServer, connect as netConnect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTransport, type Transport, type TransportOptions } from '../src/index.node.js'
import { interimLength } from '../src/node/interim.js'
import {
  eventually,
  makeCert,
  rejection,
  type StallingServer,
  serverLifecycle,
  settlesWithin,
  sleep,
  startPushingH2c,
  startServer,
  startStalling,
  type TestServer,
  transports,
} from './servers.js'

const body = Uint8Array.from({ length: 200 }, (_, i) => i % 256)
const headers = { TTL: '60', 'Content-Encoding': 'aes128gcm' }

/** Transports of one test, each closed at the end with a bound (a close() that hangs fails the test). */
function bounded(defaults: TransportOptions) {
  const open: Transport[] = []
  return {
    make(options: TransportOptions = {}): Transport {
      const transport = createTransport({ ...defaults, ...options })
      open.push(transport)
      return transport
    },
    async closeAll(): Promise<void> {
      const closing = open.splice(0).map((t) => settlesWithin(t.close(), 5000))
      for (const ms of await Promise.all(closing)) expect(ms).toBeLessThan(5000)
    },
  }
}

describe('every connect has a deadline', () => {
  const { make, closeAll } = bounded({ allowPrivateNetwork: true, ca: makeCert().cert, timeoutMs: 300, retry: false })
  const servers: (StallingServer | TestServer)[] = []
  afterEach(async () => {
    await closeAll()
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })
  const stalling = async (...args: Parameters<typeof startStalling>) => {
    const server = await startStalling(...args)
    servers.push(server)
    return server
  }

  it.each([false, 'auto', true] as const)(
    'a server that never speaks TLS: each timed-out attempt closes its socket, and close() settles (http2: %s)',
    async (http2) => {
      const server = await stalling('tcp')
      const transport = make({ http2 })
      const started = performance.now()
      const errors = await Promise.all(
        Array.from({ length: 20 }, () => rejection(transport.send({ endpoint: server.url(), headers, body }))),
      )
      expect(performance.now() - started).toBeLessThan(1500)
      // Requests that waited for a connection another one opened fail with its deadline.
      expect(errors.every((e) => e.code === 'ERR_WP_TIMEOUT' || /ETIMEDOUT/.test(e.message))).toBe(true)
      expect(server.connections).toBeGreaterThan(0)
      expect(await eventually(() => server.stalled === 0, 2000)).toBe(true)
      expect(await settlesWithin(transport.close(), 2000)).toBeLessThan(2000)
    },
  )

  it("under http2: 'auto', the connections after the first one have the deadline too", async () => {
    const upstream = await startServer('https', { alpn: ['http/1.1'] })
    servers.push(upstream)
    const server = await stalling('tcp', { upstream, passThrough: 1 })
    const transport = make({ timeoutMs: 1000 })
    expect((await transport.send({ endpoint: server.url(), headers, body })).protocol).toBe('http/1.1')
    upstream.handler = () => {}
    const errors = await Promise.all(
      Array.from({ length: 20 }, () => rejection(transport.send({ endpoint: server.url(), headers, body }))),
    )
    expect(errors.map((e) => e.code)).toEqual(Array(20).fill('ERR_WP_TIMEOUT'))
    expect(server.connections).toBeGreaterThan(5)
    expect(await eventually(() => server.stalled === 0, 2000)).toBe(true)
    expect(await settlesWithin(transport.close(), 2000)).toBeLessThan(2000)
  })

  it.each([
    [['http/1.1'], false],
    [['http/1.1'], 'auto'],
    [['h2'], 'auto'],
    [['h2'], true],
  ] as const)(
    'a server that completes TLS (ALPN %j) and then never answers: close() settles (http2: %s)',
    async (alpn, http2) => {
      const server = await stalling('tls', { alpn: [...alpn] })
      const transport = make({ http2 })
      const sends = Array.from({ length: 5 }, () =>
        rejection(transport.send({ endpoint: server.url(), headers, body })),
      )
      await sleep(50)
      // close() while the requests are in flight: they end at their deadline, then every connection closes.
      expect(await settlesWithin(transport.close(), 2000)).toBeLessThan(2000)
      expect((await Promise.all(sends)).map((e) => e.code)).toEqual(Array(5).fill('ERR_WP_TIMEOUT'))
      expect(await eventually(() => server.stalled === 0, 1000)).toBe(true)
    },
  )

  it('an HTTP/2 session whose server never sends its SETTINGS is dropped at the deadline', async () => {
    const server = await stalling('tls', { alpn: ['h2'] })
    const transport = make({ http2: true })
    expect((await rejection(transport.send({ endpoint: server.url(), headers, body }))).code).toBe('ERR_WP_TIMEOUT')
    expect(await eventually(() => server.stalled === 0, 2000)).toBe(true)
    expect(server.connections).toBe(1)
  })

  it.each([false, 'auto'] as const)(
    'a proxy that never answers the CONNECT: each socket to it is closed, and close() settles (http2: %s)',
    async (http2) => {
      const proxy = await stalling('tcp')
      const transport = make({ http2, proxy: `http://127.0.0.1:${proxy.port}` })
      const errors = await Promise.all(
        Array.from({ length: 10 }, () =>
          rejection(transport.send({ endpoint: 'https://127.0.0.1:9/p', headers, body })),
        ),
      )
      expect(errors.every((e) => e.code === 'ERR_WP_TIMEOUT' || /ETIMEDOUT/.test(e.message))).toBe(true)
      expect(await eventually(() => proxy.stalled === 0, 2000)).toBe(true)
      expect(await settlesWithin(transport.close(), 2000)).toBeLessThan(2000)
    },
  )

  it.each([
    ['plain http', 'http://push.example/p', undefined],
    ['https', 'https://push.example/p', undefined],
    ['a proxy', 'https://push.example/p', 'http://127.0.0.1:9'],
  ])('a resolver that never answers (%s): the send times out and close() settles', async (_, endpoint, proxy) => {
    const transport = make({ http2: false, lookup: () => {}, ...(proxy ? { proxy } : {}) })
    const errors = await Promise.all(
      Array.from({ length: 5 }, () => rejection(transport.send({ endpoint, headers, body }))),
    )
    expect(errors.map((e) => e.code)).toEqual(Array(5).fill('ERR_WP_TIMEOUT'))
    expect(await settlesWithin(transport.close(), 2000)).toBeLessThan(2000)
  })

  it.each([
    ['node', 'https', {}],
    // Node's fetch cannot be told to trust the test certificate: plain http.
    ['fetch', 'http', { fetch: (input, init) => fetch(input, init) }],
  ] as const satisfies [string, 'http' | 'https', TransportOptions][])(
    'close() does not wait for a retry: the send rejects at once with its last answer (%s transport)',
    async (_, kind, extra) => {
      const server = await startServer(kind, {
        handler: (_req, res) => res.writeHead(503, { 'retry-after': '30' }).end(),
      })
      servers.push(server)
      const transport = make({ timeoutMs: 2000, retry: { retries: 2, maxDelayMs: 60_000 }, ...extra })
      const send = rejection(transport.send({ endpoint: server.url(), headers, body }))
      expect(await eventually(() => server.requests.length === 1, 2000)).toBe(true)
      expect(await settlesWithin(transport.close(), 2000)).toBeLessThan(2000)
      const error = await send
      expect(error).toMatchObject({ code: 'ERR_WP_PUSH_SERVICE', statusCode: 503, retryAfterMs: 30_000 })
      expect(server.requests).toHaveLength(1)
      expect((await rejection(transport.send({ endpoint: server.url(), headers, body }))).code).toBe('ERR_WP_CLOSED')
    },
  )
})

describe('HTTP/2 server push is refused', () => {
  const { make, closeAll } = bounded({ allowPrivateNetwork: true, ca: makeCert().cert, timeoutMs: 2000, retry: false })
  afterEach(closeAll)

  it('a server that would push is told not to (SETTINGS_ENABLE_PUSH = 0), and close() settles', async () => {
    const allowed: boolean[] = []
    const server = await startServer('h2', {
      handler: (req, res) => {
        const stream = (req as unknown as { stream: ServerHttp2Stream }).stream
        allowed.push(stream.pushAllowed)
        if (stream.pushAllowed)
          stream.pushStream({ ':path': '/pushed' }, (error, pushed) => {
            if (error) return
            pushed.respond({ ':status': 200 })
            pushed.write('never ends')
          })
        res.writeHead(201).end()
      },
    })
    try {
      const transport = make({ http2: true })
      for (let i = 0; i < 3; i++)
        expect((await transport.send({ endpoint: server.url(), headers, body })).status).toBe(201)
      expect(allowed).toEqual([false, false, false])
      expect(await settlesWithin(transport.close(), 2000)).toBeLessThan(2000)
      expect(await eventually(() => server.open === 0, 2000)).toBe(true)
    } finally {
      await server.close()
    }
  })

  it('a server that pushes anyway gets no stream accepted, and close() settles', async () => {
    const server = await startPushingH2c()
    try {
      const transport = make({ http2: true })
      // Pushing after SETTINGS_ENABLE_PUSH = 0 is a connection error (RFC 9113 §6.6): the session ends.
      await transport.send({ endpoint: server.url, headers, body }).catch((error) => {
        expect(error.code).toBe('ERR_WP_NETWORK')
      })
      expect(server.requests).toBe(1)
      expect(await settlesWithin(transport.close(), 2000)).toBeLessThan(2000)
      expect(await eventually(() => server.open === 0, 2000)).toBe(true)
    } finally {
      await server.close()
    }
  })
})

describe('streams refused by a GOAWAY are retried', () => {
  let server: TestServer
  const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 2000, retry: { baseDelayMs: 10 } })
  beforeAll(async () => {
    server = await startServer('h2')
  })
  serverLifecycle(() => server, closeAll)

  /**
   * Holds the requests of the first session until `count` have come, then answers the lowest stream
   * only and sends GOAWAY naming it as the last one processed (RFC 9113 §6.8).
   */
  function goawayAfter(count: number, code: number) {
    const held: { stream: ServerHttp2Stream; res: { writeHead(s: number): { end(): void } } }[] = []
    let first: unknown
    return (req: unknown, res: unknown) => {
      const stream = (req as { stream: ServerHttp2Stream }).stream
      const reply = res as { writeHead(s: number): { end(): void } }
      first ??= stream.session
      if (stream.session !== first) return void reply.writeHead(201).end()
      held.push({ stream, res: reply })
      if (held.length < count) return
      const lowest = held.reduce((a, b) => ((a.stream.id ?? 0) < (b.stream.id ?? 0) ? a : b))
      lowest.res.writeHead(201).end()
      // After the answer: a GOAWAY with an error code makes the client drop the connection at once.
      setTimeout(() => stream.session?.goaway(code, lowest.stream.id ?? 0), 20)
    }
  }

  it.each([
    ['NO_ERROR', h2constants.NGHTTP2_NO_ERROR],
    ['INTERNAL_ERROR', h2constants.NGHTTP2_INTERNAL_ERROR],
  ])('streams above the last-stream-id of a GOAWAY (%s) are sent again on a new session', async (_, code) => {
    const transport = make({ ca: makeCert().cert, http2: true })
    // One request first, so that the session is open and the next five share it.
    await transport.send({ endpoint: server.url('/push/warm'), headers, body })
    server.handler = goawayAfter(5, code) as never
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) => transport.send({ endpoint: server.url(`/push/${i}`), headers, body })),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(5).fill(201))
    expect(responses.map((r) => r.attempts).sort()).toEqual([1, 2, 2, 2, 2])
    expect(server.connections).toBe(2)
  })

  it('a stream at or below the last-stream-id that ends without an answer is not retried', async () => {
    const transport = make({ ca: makeCert().cert, http2: true, retry: { retries: 3, baseDelayMs: 10 } })
    await transport.send({ endpoint: server.url('/push/warm'), headers, body })
    server.handler = (req) => {
      const stream = (req as unknown as { stream: ServerHttp2Stream }).stream
      stream.session?.goaway(h2constants.NGHTTP2_INTERNAL_ERROR, stream.id)
      setTimeout(() => stream.session?.destroy(), 20)
    }
    const error = await rejection(transport.send({ endpoint: server.url(), headers, body }))
    expect(error.code).toBe('ERR_WP_NETWORK')
    expect(server.requests).toHaveLength(2)
  })
})

/**
 * A TCP relay to `port` that never passes a half-close on and never closes a connection itself: a
 * client that closes gracefully and waits for its peer to close too waits until it gives up.
 */
async function startHalfOpenRelay(port: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  }
  const server = createNetServer({ allowHalfOpen: true }, (client) => {
    track(client)
    const upstream = netConnect({ host: '127.0.0.1', port, allowHalfOpen: true })
    track(upstream)
    client.pipe(upstream, { end: false })
    upstream.pipe(client, { end: false })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}

/** Runs `test/child/<script>` on the sources in a child process, bounded by `ms`: its exit code and output. */
function runChild(script: string, args: string[], ms: number): Promise<{ code: number | null; stdout: string }> {
  const dir = fileURLToPath(new URL('..', import.meta.url))
  const child = spawn(
    process.execPath,
    ['--conditions=@wp/source', '--import', '../../scripts/ts-source/register.mjs', `./test/child/${script}`, ...args],
    { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), ms)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout })
    }),
  )
}

describe('close() holds the process until its connections are closed', () => {
  it('a script whose last step is awaiting close() ends normally while an HTTP/2 peer delays its close', async () => {
    // The session is unref'd while idle; a graceful close waits for the peer to close its side (here
    // never, so until the grace runs out). A process with nothing else to do exited meanwhile, with
    // close() unsettled: Node's code 13 for a top-level await that never settled. And a connection
    // left half-open after the grace would hold the process for as long as the peer keeps it.
    const upstream = await startServer('h2c')
    const relay = await startHalfOpenRelay(upstream.port)
    try {
      const started = performance.now()
      const { code, stdout } = await runChild(
        'close-last.mjs',
        [`http://127.0.0.1:${relay.port}/push/abc`, 'true'],
        20_000,
      )
      expect(stdout).toBe('sent 201\nclosed\n')
      expect(code).toBe(0)
      expect(performance.now() - started).toBeLessThan(15_000)
      expect(upstream.requests).toHaveLength(1)
    } finally {
      await relay.close()
      await upstream.close()
    }
  })
})

/** A plain TCP server that reads one HTTP/1.1 request per connection and answers with `chunks`, 20 ms apart. */
async function startScripted(chunks: string[]): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    let buffered = ''
    socket.on('data', async (chunk: Buffer) => {
      buffered += chunk.toString('latin1')
      const end = buffered.indexOf('\r\n\r\n')
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered)?.[1] ?? 0)
      if (end < 0 || buffered.length < end + 4 + length) return
      buffered = buffered.slice(end + 4 + length)
      state.requests++
      for (const piece of chunks) {
        socket.write(piece)
        await sleep(20)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const state = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/push/abc`,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
  return state
}

describe('informational 1xx answers are skipped', () => {
  describe.each(['http', 'https', 'h2'] as const)('over %s', (kind) => {
    let server: TestServer
    const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 2000, retry: { baseDelayMs: 10 } })
    beforeAll(async () => {
      server = await startServer(kind)
    })
    serverLifecycle(() => server, closeAll)

    it.each([
      ['100 Continue, then 201 without a body', (res: never) => sendInfo(res, [100], '')],
      ['100 Continue, then 201 with a body', (res: never) => sendInfo(res, [100], 'ok')],
      ['103 Early Hints and 100 Continue, then 201', (res: never) => sendInfo(res, [103, 100], '')],
    ])('%s: reported as the 201, sent once', async (_, handler) => {
      server.handler = (_req, res) => handler(res as never)
      const transport = make({ ca: makeCert().cert })
      for (let i = 0; i < 3; i++) {
        const response = await transport.send({ endpoint: server.url(), headers, body })
        expect(response).toMatchObject({ status: 201, outcome: 'created', attempts: 1 })
        expect(response.location).toBe('https://push.example/m')
      }
      expect(server.requests).toHaveLength(3)
      expect(server.connections).toBe(1)
    })
  })

  it.each([
    ['in one piece', ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok']],
    [
      'split everywhere',
      [
        'HTTP/1.',
        '1 100',
        ' Continue\r\n',
        '\r\nHTTP/1.1 102 Processing\r\n\r',
        '\nHTTP/1.1 201 Created\r\n',
        'Content-Length: 2\r\n\r\nok',
      ],
    ],
  ])('HTTP/1.1 interim answers %s', async (_, chunks) => {
    const server = await startScripted(chunks)
    const transport = createTransport({ allowPrivateNetwork: true, timeoutMs: 2000, retry: false })
    try {
      for (let i = 0; i < 2; i++) {
        const response = await transport.send({ endpoint: server.url, headers, body })
        expect(response).toMatchObject({ status: 201, body: 'ok' })
      }
      expect(server.requests).toBe(2)
    } finally {
      await transport.close()
      await server.close()
    }
  })

  it('a body that begins like an interim answer is left as it is', async () => {
    const text = 'HTTP/1.1 100 Continue\r\n\r\n'
    const server = await startScripted([`HTTP/1.1 400 Bad Request\r\nContent-Length: ${text.length}\r\n\r\n`, text])
    const transport = createTransport({ allowPrivateNetwork: true, timeoutMs: 2000, retry: false })
    try {
      const error = await rejection(transport.send({ endpoint: server.url, headers, body }))
      expect(error).toMatchObject({ statusCode: 400 })
      expect((error.response as { body: string }).body).toBe(text)
    } finally {
      await transport.close()
      await server.close()
    }
  })
})

describe('interimLength', () => {
  const length = (text: string) => interimLength(Buffer.from(text, 'latin1'))
  it.each([
    ['HTTP/1.1 201 Created\r\n\r\n', 0],
    ['HTTP/1.1 100 Continue\r\n\r\n', 25],
    ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n', 25],
    ['HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100\n\nHTTP/1.1 201', 54],
    ['HTTP/1.0 102 Processing\r\n\r\n', 27],
    ['HTTP/1.1 101 Switching Protocols\r\n\r\n', 0],
    ['HTTP/2 100\r\n\r\n', 0],
    ['HTTP/1.1 1000 Continue\r\n\r\n', 0],
    ['', 0],
    ['HTTP/1.', -1],
    ['HTTP/1.1 10', -1],
    ['HTTP/1.1 100 Continue\r\n', -1],
    ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 1', -1],
  ])('%j: %d', (text, expected) => expect(length(text)).toBe(expected))

  it('gives up on an interim head longer than 16 KB, for the parser to refuse', () => {
    expect(length(`HTTP/1.1 100 Continue\r\nX: ${'a'.repeat(17_000)}`)).toBe(0)
  })
})

/** Writes each informational status, then 201 with `text` as the body. */
function sendInfo(
  res: {
    writeContinue(): void
    writeEarlyHints?(h: object): void
    writeHead(s: number, h: object): { end(b: string): void }
  },
  statuses: number[],
  text: string,
) {
  for (const status of statuses) {
    if (status === 100) res.writeContinue()
    else res.writeEarlyHints?.({ link: '</style.css>; rel=preload; as=style' })
  }
  res.writeHead(201, { location: 'https://push.example/m' }).end(text)
}

describe('the proxy option is checked when the transport is made', () => {
  it.each([
    ['bad percent-encoding in the user', 'http://pu%zzsher:secret@127.0.0.1:3128'],
    ['bad percent-encoding in the password', 'http://pusher:s%E0%A4%A@127.0.0.1:3128'],
    ['a control character in the password', 'http://pusher:se%0D%0Acret@127.0.0.1:3128'],
    ['a colon in the user', 'http://pu%3Asher:secret@127.0.0.1:3128'],
    ['another scheme', 'socks5://pusher:secret@127.0.0.1:1080'],
    ['https', 'https://pusher:secret@127.0.0.1:3128'],
    ['no host', 'http://pusher:secret@:3128'],
    ['a path', 'http://pusher:secret@127.0.0.1:3128/secret/path'],
    ['a query', 'http://pusher:secret@127.0.0.1:3128/?secret'],
    ['not a URL', 'pusher:secret at the proxy'],
  ])('refuses %s with ERR_WP_INVALID_ARGUMENT, without echoing the credentials', (_, proxy) => {
    let thrown: unknown
    try {
      createTransport({ proxy })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toMatchObject({ code: 'ERR_WP_INVALID_ARGUMENT' })
    const message = (thrown as Error).message
    expect(message).toMatch(/proxy/)
    expect(message).not.toMatch(/secret|pusher|pu%|s%E0/)
    expect(JSON.stringify(thrown)).not.toMatch(/secret/)
  })

  it.each([
    'http://127.0.0.1:3128',
    'http://127.0.0.1:3128/',
    'http://pusher:p%40ss%3Aw%25rd@127.0.0.1:3128',
    'http://pusher@proxy.example',
  ])('accepts %s', (proxy) => {
    expect(() => createTransport({ proxy })).not.toThrow()
  })
})
