/**
 * `createPushClient({ workers })` in Deno and Bun: `pool/pool.mjs` sends a batch to a local sink on
 * 127.0.0.1 in the runtime and reports where its messages were encrypted. Bun gets the
 * node:worker_threads pool (the `bun` condition of `#encrypt-pool`); so does Deno (the `deno`
 * condition), which starts a worker only with read permission for its module: without it a number of
 * workers is refused with ERR_WP_INVALID_ARGUMENT and `'auto'` is 0, rather than every message being
 * encrypted on the calling thread behind the caller's back.
 */
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bin } from './harness.js'

const script = fileURLToPath(new URL('../pool/pool.mjs', import.meta.url))
const COUNT = 200
/** What a Deno worker of the pool reads: its module, and @wp/ece's (the built packages). */
const workerFile = fileURLToPath(new URL('../../packages/webpush/dist/internal/encrypt-worker.js', import.meta.url))
const eceDist = fileURLToPath(new URL('../../packages/ece/dist/', import.meta.url))

let sink: Server
let port: number

beforeAll(async () => {
  sink = createServer((request, response) => {
    request.resume()
    request.on('end', () => response.writeHead(201).end())
  })
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
  port = (sink.address() as AddressInfo).port
})

afterAll(async () => {
  sink.closeAllConnections()
  await new Promise((resolve) => sink.close(resolve))
})

interface PoolRun {
  accepted?: number
  size?: number
  counts?: { workers: number; here: number }
  error?: { code: string; message: string }
}

/** Runs `pool.mjs` as `command ...args pool.mjs <port> <workers> <count>` within 60 s; its `POOL` line. */
function runPool(
  command: string,
  args: string[],
  workers: string,
): Promise<{ run: PoolRun | undefined; output: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args, script, String(port), workers, String(COUNT)],
      { timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' } },
      (_error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('POOL '))
        resolve({ run: line ? JSON.parse(line.slice('POOL '.length)) : undefined, output: stdout + stderr })
      },
    )
  })
}

describe('workers in Deno', () => {
  it('encrypts on two worker threads with read permission, and every message is accepted', {
    timeout: 120_000,
  }, async () => {
    const { run, output } = await runPool(bin('deno'), ['run', '--allow-net=127.0.0.1', '--allow-read'], '2')
    expect(run?.accepted, output).toBe(COUNT)
    expect(run?.size).toBe(2)
    expect(run?.counts?.workers).toBeGreaterThan(0)
    expect((run?.counts?.workers ?? 0) + (run?.counts?.here ?? 0)).toBe(COUNT)
  })

  it('encrypts on worker threads with read permission for exactly the files a worker loads', {
    timeout: 120_000,
  }, async () => {
    const reads = `--allow-read=${workerFile},${eceDist}`
    const { run, output } = await runPool(bin('deno'), ['run', '--allow-net=127.0.0.1', reads], '2')
    expect(run?.accepted, output).toBe(COUNT)
    expect(run?.size).toBe(2)
    expect(run?.counts?.workers).toBeGreaterThan(0)
  })

  it('refuses workers with read permission for the worker file alone, which cannot load @wp/ece', {
    timeout: 120_000,
  }, async () => {
    const reads = `--allow-read=${workerFile}`
    const { run, output } = await runPool(bin('deno'), ['run', '--allow-net=127.0.0.1', reads], '2')
    expect(run?.error?.code, output).toBe('ERR_WP_INVALID_ARGUMENT')
  })

  it('refuses a number of workers without read permission, naming the flag', { timeout: 120_000 }, async () => {
    const { run, output } = await runPool(bin('deno'), ['run', '--allow-net=127.0.0.1'], '2')
    expect(run?.error?.code, output).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(run?.error?.message).toMatch(/^workers: 2 needs read permission in Deno .*--allow-read/)
  })

  it("makes 'auto' no workers without read permission, and still sends every message", {
    timeout: 120_000,
  }, async () => {
    const { run, output } = await runPool(bin('deno'), ['run', '--allow-net=127.0.0.1'], 'auto')
    expect(run?.accepted, output).toBe(COUNT)
    expect(run?.size).toBe(0)
  })
})

describe('workers in Bun', () => {
  it('encrypts on two worker threads, and every message is accepted', { timeout: 120_000 }, async () => {
    const { run, output } = await runPool(bin('bun'), ['run'], '2')
    expect(run?.accepted, output).toBe(COUNT)
    expect(run?.size).toBe(2)
    expect(run?.counts?.workers).toBeGreaterThan(0)
    expect((run?.counts?.workers ?? 0) + (run?.counts?.here ?? 0)).toBe(COUNT)
  })
})
