// A throwaway redis-server for a bench: a free loopback port, a temporary directory, no persistence
// (a bench measures the queue, not the disk). Debian's `redis-server` must be on the PATH.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Starts redis-server; `{ url, stop() }`. */
export async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), 'wp-bench-redis-'))
  const port = await freePort()
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  await new Promise((resolve, reject) => {
    let out = ''
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)))
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (out.includes('Ready to accept connections')) {
        child.stdout.removeAllListeners('data')
        child.stdout.resume()
        resolve()
      }
    })
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    stop() {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
