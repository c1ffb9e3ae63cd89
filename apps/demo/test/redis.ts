/**
 * A real Redis for the demo's tests: `redis-server` on a free port of 127.0.0.1 in a temporary
 * directory, killed (and the directory removed) by `stop()`. Nothing else is ever connected to.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { freePort, tempDir } from './helpers.js'

/** A running `redis-server`. */
export interface TestRedis {
  /** `redis://127.0.0.1:PORT`. */
  url: string
  stop(): Promise<void>
}

/** Starts `redis-server`; rejects when it is not ready within 10 s. */
export async function startRedis(): Promise<TestRedis> {
  const dir = tempDir('wp-demo-redis-')
  const port = await freePort()
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir.path, '--save', '', '--appendonly', 'yes'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    await new Promise<void>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => reject(new Error(`redis-server not ready in 10 s:\n${out}`)), 10_000)
      child.once('error', reject)
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)))
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
  } catch (error) {
    child.kill('SIGKILL')
    dir.remove()
    throw error
  }
  child.stdout!.resume()
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
      dir.remove()
    },
  }
}
