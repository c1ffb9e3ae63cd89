/**
 * `toCurl`: the command, run by real shells with the system curl against a local server, must send
 * the same body bytes and headers as the transport does for the same request.
 */
import { execFile } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { type PushRequest, toCurl } from '../src/index.node.js'
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
      const request: PushRequest = {
        endpoint: server.url("/push/it's?a=1&b=$x"),
        headers: {
          TTL: '2419200',
          'Content-Encoding': 'aes128gcm',
          Authorization: `vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.e30.sig, k=BA-_x`,
          Topic: 'it\'s "quoted" \\ 100% $PATH `x`',
          'X-Empty': '',
        },
        ...(body === undefined ? {} : { body }),
      }
      const response = await make().send(request)
      expect(response.outcome).toBe('created')
      const { stdout } = await run(shell, toCurl(request))
      expect(stdout).toMatch(/^HTTP\/1\.1 201 /)
      expect(server.requests).toHaveLength(2)
      const [fromTransport, fromCurl] = server.requests as [Received, Received]
      expect(fromCurl.path).toBe("/push/it's?a=1&b=$x")
      expect(fromCurl.method).toBe('POST')
      expect(fromCurl.body.equals(fromTransport.body)).toBe(true)
      expect(new Uint8Array(fromCurl.body)).toEqual(body ?? new Uint8Array(0))
      expect(comparable(fromCurl)).toEqual(comparable(fromTransport))
      expect(fromCurl.headers['content-length']).toBe(String(body?.length ?? 0))
      expect(fromCurl.headers['x-empty']).toBe('')
    })
  })

  it('keeps a Content-Type the request sets', async () => {
    const request = { endpoint: server.url(), headers: { 'Content-Type': 'application/octet-stream' }, body: every }
    await run('/bin/sh', toCurl(request))
    expect(server.requests[0]!.headers['content-type']).toBe('application/octet-stream')
    expect(server.requests[0]!.names.filter((n) => n.toLowerCase() === 'content-type')).toHaveLength(1)
  })
})
