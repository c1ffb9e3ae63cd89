/**
 * Real servers on 127.0.0.1 for the transport tests: HTTP/1.1 (plain and TLS), HTTP/2 over TLS and
 * in clear text, an HTTP CONNECT proxy, and hostile ones that stall or push. Each one records what
 * it received and counts its connections.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import {
  createServer as createH2cServer,
  createSecureServer,
  type Http2SecureServer,
  type Http2Server,
} from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import { type AddressInfo, createServer as createNetServer, connect as netConnect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { afterAll, afterEach } from 'vitest'
import { createTransport, type Transport, type TransportOptions } from '../src/index.node.js'

export interface Cert {
  key: string
  cert: string
}

let cert: Cert | undefined

/** A self-signed P-256 certificate for `localhost` and `127.0.0.1`, made once per test file with openssl. */
export function makeCert(): Cert {
  if (cert !== undefined) return cert
  const dir = mkdtempSync(join(tmpdir(), 'wp-transport-'))
  try {
    const key = join(dir, 'key.pem')
    const crt = join(dir, 'cert.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        crt,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    )
    cert = { key: readFileSync(key, 'utf8'), cert: readFileSync(crt, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return cert
}

/** One request as the server saw it. */
export interface Received {
  method: string
  path: string
  /** Names in lowercase; a repeated header keeps every value, joined by `, `. */
  headers: Record<string, string>
  /** Header names as they came, in order, repeats included (pseudo-headers left out). */
  names: string[]
  body: Buffer
  /** `'1.1'` or `'2.0'`. */
  httpVersion: string
  /** When the request's body had been read (ms, `performance.now()`). */
  at: number
}

/**
 * Answers one request. Called once the body is read. The HTTP/2 compatibility objects are passed
 * as their HTTP/1.1 look-alikes; only the common subset (`writeHead`, `write`, `end`, `socket`) is used.
 */
export type Handler = (req: IncomingMessage, res: ServerResponse, received: Received) => void

/** `h2c` is HTTP/2 in clear text with prior knowledge (clients need `http2: true`). */
export type ServerKind = 'http' | 'https' | 'h2' | 'h2c'

export interface ServerOptions {
  /** HTTP/2 servers: also speak HTTP/1.1 to clients that do not offer h2. */
  allowHTTP1?: boolean
  /** HTTP/1.1 servers: how long an idle keep-alive connection stays open. */
  keepAliveTimeout?: number
  /** The ALPN protocols an `https` server offers (none by default). */
  alpn?: string[]
  /** The port to listen on (default: any free one). */
  port?: number
  handler?: Handler
}

export interface TestServer {
  kind: ServerKind
  port: number
  /** `http://127.0.0.1:port` or `https://127.0.0.1:port`. */
  origin: string
  /** A URL on this server with `host` in place of 127.0.0.1. */
  url(path?: string, host?: string): string
  requests: Received[]
  /** TCP connections accepted. */
  connections: number
  /** TCP connections open now. */
  readonly open: number
  /** The ALPN protocol of each TLS connection (`false` when none was agreed). */
  alpn: (string | false)[]
  handler: Handler
  /** Forgets what was received and restores the default handler. */
  reset(): void
  close(): Promise<void>
}

/** Answers `status` with `headers` and `body`. */
export function reply(status: number, headers: Record<string, string> = {}, body = ''): Handler {
  return (_req, res) => {
    res.writeHead(status, headers)
    res.end(body)
  }
}

/** Answers 201 Created with a `Location`, as push services do (RFC 8030 §5). */
export const created: Handler = (_req, res, received) => {
  res.writeHead(201, { location: `https://push.example/m${received.path}` })
  res.end()
}

/** Answers with each handler in turn, then with the last one. */
export function sequence(...handlers: Handler[]): Handler {
  let n = 0
  return (req, res, received) => (handlers[Math.min(n++, handlers.length - 1)] as Handler)(req, res, received)
}

/** Never answers. */
export const silent: Handler = () => {}

function record(req: IncomingMessage, body: Buffer): Received {
  const headers: Record<string, string> = {}
  const names: string[] = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string
    if (name.startsWith(':')) continue
    names.push(name)
    const lower = name.toLowerCase()
    const value = req.rawHeaders[i + 1] as string
    headers[lower] = headers[lower] === undefined ? value : `${headers[lower]}, ${value}`
  }
  const path = req.url ?? ''
  return { method: req.method ?? '', path, headers, names, body, httpVersion: req.httpVersion, at: performance.now() }
}

/** Starts a server of `kind` on 127.0.0.1 and a random port. */
export async function startServer(kind: ServerKind, options: ServerOptions = {}): Promise<TestServer> {
  const sockets = new Set<Socket>()
  const sessions = new Set<{ destroy(): void }>()
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const received = record(req, Buffer.concat(chunks))
      state.requests.push(received)
      state.handler(req, res, received)
    })
  }
  let server: Server | Http2SecureServer | Http2Server
  if (kind === 'http') server = createHttpServer(onRequest)
  else if (kind === 'h2c') server = createH2cServer(onRequest as unknown as Parameters<typeof createH2cServer>[1])
  else if (kind === 'https')
    server = createHttpsServer({ ...makeCert(), ...(options.alpn ? { ALPNProtocols: options.alpn } : {}) }, onRequest)
  else
    server = createSecureServer(
      { ...makeCert(), allowHTTP1: options.allowHTTP1 === true },
      onRequest as unknown as Parameters<typeof createSecureServer>[1],
    )
  if (options.keepAliveTimeout !== undefined) (server as Server).keepAliveTimeout = options.keepAliveTimeout
  server.on('connection', (socket: Socket) => {
    state.connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('secureConnection', (socket: TLSSocket) => state.alpn.push(socket.alpnProtocol ?? false))
  server.on('session', (session: { destroy(): void; on(event: 'close', fn: () => void): void }) => {
    sessions.add(session)
    session.on('close', () => sessions.delete(session))
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const scheme = kind === 'http' || kind === 'h2c' ? 'http' : 'https'
  const defaultHandler = options.handler ?? created
  const state: TestServer = {
    kind,
    port,
    origin: `${scheme}://127.0.0.1:${port}`,
    url: (path = '/push/abc', host = '127.0.0.1') => `${scheme}://${host}:${port}${path}`,
    requests: [],
    connections: 0,
    get open() {
      return sockets.size
    },
    alpn: [],
    handler: defaultHandler,
    reset() {
      state.requests = []
      state.connections = 0
      state.alpn = []
      state.handler = defaultHandler
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const session of sessions) session.destroy()
        for (const socket of sockets) socket.destroy()
      }),
  }
  return state
}

/** A port on 127.0.0.1 where nothing listens (it did a moment ago). */
export async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface TestProxy {
  /** `http://127.0.0.1:port` (with credentials when the proxy asks for them). */
  url: string
  /** Tunnels opened. */
  tunnels: number
  /** The head of each CONNECT request, as text. */
  heads: string[]
  close(): Promise<void>
}

/**
 * A minimal HTTP CONNECT proxy. With `auth` it answers 407 to requests without the matching
 * `Proxy-Authorization` (the proxy's `url` carries the credentials, percent-encoded).
 */
export async function startProxy(options: { auth?: { user: string; pass: string } } = {}): Promise<TestProxy> {
  const expected = options.auth && btoa(`${options.auth.user}:${options.auth.pass}`)
  const authorized = (head: string) =>
    head.split('\r\n').some((line) => /^proxy-authorization:\s*basic\s+(\S+)$/i.exec(line)?.[1] === expected)
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  }
  const server = createNetServer((client) => {
    track(client)
    let buffered = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const end = buffered.indexOf('\r\n\r\n')
      if (end < 0) return
      client.off('data', onData)
      const head = buffered.subarray(0, end).toString('latin1')
      const rest = buffered.subarray(end + 4)
      proxy.heads.push(head)
      const match = /^CONNECT (\S+):(\d+) HTTP\/1\.1\r\n/.exec(head)
      if (!match) return void client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n')
      if (expected && !authorized(head)) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n')
      const upstream = netConnect({ host: (match[1] as string).replace(/^\[|\]$/g, ''), port: Number(match[2]) })
      track(upstream)
      upstream.on('connect', () => {
        proxy.tunnels++
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        if (rest.length > 0) upstream.write(rest)
        client.pipe(upstream)
        upstream.pipe(client)
      })
      upstream.on('close', () => client.destroy())
      client.on('close', () => upstream.destroy())
    }
    client.on('data', onData)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const proxy: TestProxy = {
    url: options.auth
      ? `http://${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@127.0.0.1:${port}`
      : `http://127.0.0.1:${port}`,
    tunnels: 0,
    heads: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
  return proxy
}

export interface StallingServer {
  port: number
  /** A URL on this server (`https:` unless `scheme` says otherwise). */
  url(path?: string, scheme?: 'http' | 'https'): string
  /** TCP connections accepted. */
  connections: number
  /** Connections that stalled (not passed to `upstream`) and are still open: the client must close them. */
  readonly stalled: number
  close(): Promise<void>
}

/**
 * A server that accepts TCP connections and then stalls them. `tcp`: never says a byte, so a TLS
 * handshake never completes; `tls`: completes the handshake (offering `alpn`), then never answers.
 * With `upstream`, the first `passThrough` connections are forwarded to that server instead.
 */
export async function startStalling(
  mode: 'tcp' | 'tls',
  options: { alpn?: string[]; upstream?: TestServer; passThrough?: number } = {},
): Promise<StallingServer> {
  const all = new Set<Socket>()
  const stalled = new Set<Socket>()
  const track = (socket: Socket, set?: Set<Socket>) => {
    all.add(socket)
    set?.add(socket)
    socket.on('close', () => {
      all.delete(socket)
      set?.delete(socket)
    })
    socket.on('error', () => {})
  }
  const tls = createTlsServer({ ...makeCert(), ...(options.alpn ? { ALPNProtocols: options.alpn } : {}) }, (socket) =>
    socket.resume(),
  )
  tls.on('tlsClientError', () => {})
  const server = createNetServer((socket) => {
    track(socket)
    if (options.upstream !== undefined && state.connections++ < (options.passThrough ?? 0)) {
      const upstream = netConnect({ host: '127.0.0.1', port: options.upstream.port })
      track(upstream)
      socket.pipe(upstream).pipe(socket)
      upstream.on('close', () => socket.destroy())
      socket.on('close', () => upstream.destroy())
      return
    }
    if (options.upstream === undefined) state.connections++
    stalled.add(socket)
    socket.on('close', () => stalled.delete(socket))
    if (mode === 'tls') tls.emit('connection', socket)
    else socket.resume()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const state: StallingServer = {
    port,
    url: (path = '/push/abc', scheme = 'https') => `${scheme}://127.0.0.1:${port}${path}`,
    connections: 0,
    get stalled() {
      return stalled.size
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of all) socket.destroy()
      }),
  }
  return state
}

/** One HTTP/2 frame (RFC 9113 §4.1). */
function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9)
  head.writeUIntBE(payload.length, 0, 3)
  head[3] = type
  head[4] = flags
  head.writeUInt32BE(stream, 5)
  return Buffer.concat([head, payload])
}

/**
 * An HTTP/2 server in clear text (prior knowledge) written frame by frame, that pushes whatever
 * the client's SETTINGS say: each request gets a PUSH_PROMISE for `/pushed` and a pushed response that never ends, then its answer,
 * 201. Node's own server cannot be made to do this.
 */
export async function startPushingH2c(): Promise<{
  url: string
  requests: number
  readonly open: number
  close(): Promise<void>
}> {
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffered = Buffer.alloc(0)
    let preface = false
    let promised = 2
    socket.write(frame(4, 0, 0)) // SETTINGS
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      if (!preface) {
        if (buffered.length < 24) return
        buffered = buffered.subarray(24)
        preface = true
      }
      while (buffered.length >= 9) {
        const length = buffered.readUIntBE(0, 3)
        if (buffered.length < 9 + length) return
        const type = buffered[3] as number
        const flags = buffered[4] as number
        const stream = buffered.readUInt32BE(5) & 0x7fffffff
        buffered = buffered.subarray(9 + length)
        if (type === 4 && (flags & 1) === 0) socket.write(frame(4, 1, 0)) // SETTINGS ACK
        // The request is complete with END_STREAM on its HEADERS (1) or DATA (0).
        if ((type === 0 || type === 1) && (flags & 1) === 1) {
          state.requests++
          // HPACK (RFC 7541): GET, http, :path /pushed, :authority x
          const request = Buffer.from([0x82, 0x86, 0x04, 0x07, ...Buffer.from('/pushed'), 0x01, 0x01, 0x78])
          const id = Buffer.alloc(4)
          id.writeUInt32BE(promised)
          socket.write(frame(5, 0x4, stream, Buffer.concat([id, request]))) // PUSH_PROMISE
          socket.write(frame(1, 0x4, promised, Buffer.from([0x88]))) // :status 200, no END_STREAM
          socket.write(frame(0, 0, promised, Buffer.from('pushed')))
          promised += 2
          // :status 201, a literal with the name indexed (RFC 7541 §6.2.2, static index 8), END_STREAM
          socket.write(frame(1, 0x5, stream, Buffer.from([0x08, 0x03, 0x32, 0x30, 0x31])))
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const state = {
    url: `http://127.0.0.1:${port}/push/abc`,
    requests: 0,
    get open() {
      return sockets.size
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
  return state
}

/** Waits until `check()` is true, polling every 20 ms for at most `ms`; returns its last value. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const until = performance.now() + ms
  while (!check()) {
    if (performance.now() > until) return false
    await sleep(20)
  }
  return true
}

/** How long `promise` took to settle, or `Infinity` when it did not settle within `ms`. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<number> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms)
    }),
  ])
  clearTimeout(timer)
  return settled ? performance.now() - started : Number.POSITIVE_INFINITY
}

/** After each test closes the transports and forgets the server's requests; after all, closes the server. */
export function serverLifecycle(server: () => TestServer, closeAll: () => Promise<void>): void {
  afterEach(async () => {
    await closeAll()
    server().reset()
  })
  afterAll(() => server().close())
}

/** Makes transports (with `createTransport`, or `factory`) and closes all of them at once (in afterEach). */
export function transports(
  defaults: TransportOptions = {},
  factory: (options: TransportOptions) => Transport = createTransport,
): {
  make(options?: TransportOptions): Transport
  closeAll(): Promise<void>
} {
  const open: Transport[] = []
  return {
    make(options = {}) {
      const transport = factory({ ...defaults, ...options })
      open.push(transport)
      return transport
    },
    async closeAll() {
      await Promise.all(open.splice(0).map((t) => t.close()))
    },
  }
}

/** The rejection of `promise` (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise
  } catch (error) {
    return error as Error & Record<string, unknown>
  }
  throw new Error('expected a rejection')
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
