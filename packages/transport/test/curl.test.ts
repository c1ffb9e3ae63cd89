/**
 * `toCurl`: the command, run by real shells with the system curl against a local server, must send
 * the same body bytes and headers as the transport does for the same request.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { type PushRequest, toCurl } from '../src/index.node.js'
import { badRequests } from './bad-requests.js'
import { type Received, serverLifecycle, startServer, type TestServer, transports } from './servers.js'

/** The shells at hand, each once (`/bin/sh` is often `dash`). */
const shells = [
  ...new Map(
    ['/bin/sh', '/bin/dash', '/bin/bash', '/usr/bin/zsh']
      .filter((shell) => existsSync(shell))
      .map((shell) => [realpathSync(shell), shell] as const),
  ).values(),
]

function run(shell: string, command: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) =>
    execFile(shell, ['-c', command], { timeout: 5000 }, (error, stdout, stderr) =>
      error ? reject(Object.assign(error, { stderr })) : resolve({ stdout, stderr }),
    ),
  )
}

/** Headers both sides add on their own: curl's Host, User-Agent and Accept; undici's Host, User-Agent and Connection. */
const OWN = new Set(['host', 'user-agent', 'accept', 'connection'])

function comparable(received: Received): { headers: Record<string, string>; names: string[] } {
  const headers = Object.fromEntries(Object.entries(received.headers).filter(([name]) => !OWN.has(name)))
  return {
    headers,
    names: received.names
      .filter((n) => !OWN.has(n.toLowerCase()))
      .map((n) => n.toLowerCase())
      .sort(),
  }
}

const every = Uint8Array.from({ length: 256 }, (_, i) => i)
const text = (s: string) => new TextEncoder().encode(s)
const bodies: [string, Uint8Array | undefined][] = [
  ['every byte value 0-255', every],
  ['every byte value, reversed and twice', Uint8Array.from([...every].reverse().concat([...every]))],
  ['quotes, backslashes and percent signs', text(`'"\\'%s%d%%\\n\\\\0\\x41 $HOME \`id\` !! 'a'"b"`)],
  ['a leading dash', text('-n -e --data x')],
  ['a leading percent and NUL bytes', Uint8Array.from([0x25, 0x73, 0, 0, 0x5c, 0x30, 0x0a])],
  ['a 3000-byte body (no Expect: 100-continue)', Uint8Array.from({ length: 3000 }, (_, i) => (i * 31 + 7) % 256)],
  ['no body', undefined],
  ['an empty body', new Uint8Array(0)],
]

describe('toCurl', () => {
  let server: TestServer
  const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 3000, retry: false })
  beforeAll(async () => {
    server = await startServer('http')
  })
  serverLifecycle(() => server, closeAll)

  it('finds a shell to run in', () => expect(shells.length).toBeGreaterThan(0))

  describe.each(shells)('run by %s', (shell) => {
    it.each(bodies)('sends the same bytes and headers as the transport: %s', async (_, body) => {
      // Braces and brackets are curl URL globs: without --globoff this one URL is 80 requests. A
      // backslash is a slash to the WHATWG parser and the transport, a literal to curl.
      const path = "/push\\it's/[1-2]/{a,b}?a=1&b=$x&c={x,y}&d=[0-9]"
      const request: PushRequest = {
        endpoint: server.url(path),
        headers: {
          TTL: '2419200',
          'Content-Encoding': 'aes128gcm',
          Authorization: `vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.e30.sig, k=BA-_x`,
          Topic: 'it\'s "quoted" \\ 100% $PATH `x`',
          'X-Empty': '',
          // A value (not the whole -H argument) starting with @ is no file name to curl.
          'X-At': '@/etc/hostname',
          // Latin-1 beyond ASCII goes out as one byte each, as the transport sends it.
          'X-Latin1': 'caf\u00e9 \u00ff\tend',
          '-Dash': '-H x',
        },
        ...(body === undefined ? {} : { body }),
      }
      const response = await make().send(request)
      expect(response.outcome).toBe('created')
      const command = toCurl(request)
      const { stdout } = await run(shell, command)
      expect(stdout).toMatch(/^HTTP\/1\.1 201 /)
      // Exactly one request from curl, to the URL the transport used.
      expect(server.requests).toHaveLength(2)
      const [fromTransport, fromCurl] = server.requests as [Received, Received]
      // The WHATWG parser percent-encodes braces in the path, not in the query.
      expect(fromTransport.path).toBe("/push/it's/[1-2]/%7Ba,b%7D?a=1&b=$x&c={x,y}&d=[0-9]")
      expect(fromCurl.path).toBe(fromTransport.path)
      expect(fromCurl.method).toBe('POST')
      expect(fromCurl.body.equals(fromTransport.body)).toBe(true)
      expect(new Uint8Array(fromCurl.body)).toEqual(body ?? new Uint8Array(0))
      expect(comparable(fromCurl)).toEqual(comparable(fromTransport))
      expect(fromCurl.headers['content-length']).toBe(String(body?.length ?? 0))
      expect(fromCurl.headers['x-empty']).toBe('')
      expect(fromCurl.headers['x-at']).toBe('@/etc/hostname')
      expect(fromCurl.headers['x-latin1']).toBe('caf\u00e9 \u00ff\tend')
      expect(fromCurl.headers['-dash']).toBe('-H x')
      expect(command).toContain(' --globoff ')
      expect(command).toContain(` --url 'http://127.0.0.1:${server.port}/push/it'\\''s/[1-2]/`)
    })
  })

  it('refuses every request the transport refuses', () => {
    for (const [name, request] of badRequests(server.url())) {
      expect(() => toCurl(request as PushRequest), name).toThrow(
        expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT' }),
      )
    }
  })

  it('never lets a header name make curl read headers from a file', async () => {
    // curl -H @file reads headers from that file: "Name: value" with Name = "@<dir>/h" and value
    // "v" is the file "<dir>/h: v".
    const dir = mkdtempSync(join(tmpdir(), 'wp-curl-'))
    try {
      writeFileSync(join(dir, 'h: v'), 'X-Leak: from a file\n')
      const request = { endpoint: server.url(), headers: { [`@${dir}/h`]: 'v' } }
      let command: string | undefined
      expect(() => {
        command = toCurl(request)
      }).toThrow(expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT' }))
      if (command !== undefined) await run('/bin/sh', command).catch(() => {})
      expect(server.requests.map((r) => r.headers['x-leak'])).not.toContain('from a file')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('never lets a header value add a header', async () => {
    const request = { endpoint: server.url(), headers: { TTL: '60\r\nX-Injected: 1' } }
    let command: string | undefined
    expect(() => {
      command = toCurl(request)
    }).toThrow(expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT' }))
    if (command !== undefined) await run('/bin/sh', command).catch(() => {})
    expect(server.requests.map((r) => r.headers['x-injected'])).not.toContain('1')
  })

  it('never lets a host glob into several hosts', async () => {
    // Only 127.0.0.1, twice: without --globoff and the host check curl would send two requests.
    const request = { endpoint: server.url('/push/abc', '{127.0.0.1,127.0.0.1}'), headers: {} }
    let command: string | undefined
    expect(() => {
      command = toCurl(request)
    }).toThrow(expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT' }))
    if (command !== undefined) await run('/bin/sh', command).catch(() => {})
    expect(server.requests.length).toBeLessThanOrEqual(1)
  })

  it('prints the URL the transport sends to: no fragment, WHATWG normalisation, brackets kept for IPv6', () => {
    expect(toCurl({ endpoint: 'https://push.example/a/../b\\c?q=1#frag', headers: {} })).toMatch(
      / --url 'https:\/\/push\.example\/b\/c\?q=1'$/,
    )
    expect(toCurl({ endpoint: 'https://[2001:db8::1]:8443/p', headers: {} })).toMatch(
      / --url 'https:\/\/\[2001:db8::1\]:8443\/p'$/,
    )
  })

  it('keeps a Content-Type the request sets', async () => {
    const request = { endpoint: server.url(), headers: { 'Content-Type': 'application/octet-stream' }, body: every }
    await run('/bin/sh', toCurl(request))
    expect(server.requests[0]!.headers['content-type']).toBe('application/octet-stream')
    expect(server.requests[0]!.names.filter((n) => n.toLowerCase() === 'content-type')).toHaveLength(1)
  })
})
