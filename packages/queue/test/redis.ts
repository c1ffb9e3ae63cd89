/**
 * A real Redis for a test: `redis-server` on a free loopback port, in a temporary directory, with
 * `appendonly yes`, so a `SHUTDOWN` and a restart keep what was written. Stopped by `stop()`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'

export interface TestRedis {
  url: string
  port: number
  /** `SHUTDOWN` (an append-only file is written first), then the same server started again. */
  restart(downMs?: number): Promise<void>
  /** Memory in use, in bytes (`INFO memory`). */
  usedMemory(): Promise<number>
  stop(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--protected-mode',
      'yes',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redis-server did not start in 10 s:\n${out}`))
    }, 10_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer)
        child.stdout?.removeAllListeners('data')
        child.stdout?.resume()
        resolve(child)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited (${code}):\n${out}`))
    })
  })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'wp-queue-redis-'))
  const port = await freePort()
  let child = await launch(port, dir)
  const url = `redis://127.0.0.1:${port}`
  const admin = async <T>(fn: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true })
    try {
      await redis.connect()
      return await fn(redis)
    } finally {
      redis.disconnect()
    }
  }
  return {
    url,
    port,
    async restart(downMs = 500) {
      const gone = exited(child)
      await admin((redis) => redis.call('SHUTDOWN').catch(() => undefined))
      await gone
      await new Promise((resolve) => setTimeout(resolve, downMs))
      child = await launch(port, dir)
    },
    usedMemory: () =>
      admin(async (redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? Number.NaN)),
    async stop() {
      const gone = exited(child)
      child.kill('SIGKILL')
      await gone
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
