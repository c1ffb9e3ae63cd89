/**
 * `createTransport()` with no transport options in every server runtime, through the package's
 * export conditions as each runtime resolves them: Node gets undici and `node:http2`, Bun and Deno
 * get the `fetch` transport (Bun's built-in `undici` has no `Pool#dispatch`, and undici asks Deno
 * for environment access). Each run sends one push to a local server and closes the transport.
 * The child imports the built package (`dist`), which `npm test` builds first.
 */
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const bin = (name: string): string => fileURLToPath(new URL(`../../../node_modules/.bin/${name}`, import.meta.url))
const child = fileURLToPath(new URL('./child/default-transport.mjs', import.meta.url))

let server: Server
let endpoint: string
let received = 0

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      received++
      response.writeHead(201, { location: '/m/1' }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push/1`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error.code as number | null) ?? 1) : 0, stdout, stderr }),
    )
  })
}

describe('createTransport() per runtime', () => {
  it.each([
    ['node', process.execPath, [child, 'ENDPOINT'], 'http/1.1'],
    ['bun', bin('bun'), ['run', child, 'ENDPOINT'], 'fetch'],
    // Only the network, and only loopback: no --allow-env, no --allow-read.
    ['deno', bin('deno'), ['run', '--allow-net=127.0.0.1', child, 'ENDPOINT'], 'fetch'],
  ])('%s: sends to a local server and close() resolves', { timeout: 60_000 }, async (_name, command, args, via) => {
    const before = received
    const result = await run(
      command,
      args.map((arg) => (arg === 'ENDPOINT' ? endpoint : arg)),
    )
    expect(result.stderr).not.toMatch(/allow-env|dispatch is not a function/)
    expect(result.stdout).toBe(`sent 201 ${via}\nclosed\n`)
    expect(result.code).toBe(0)
    expect(received).toBe(before + 1)
  })
})
