/** The `start` command as a user runs it: the built `dist/main.js` in a child process. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, tempDir } from './helpers.js'
import { startRedis } from './redis.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const main = join(root, 'dist', 'main.js')

function newest(dir: string): number {
  let time = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) time = Math.max(time, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  return time
}

beforeAll(() => {
  // The command runs the build: make it if it is missing or older than the sources.
  let built = 0
  try {
    built = statSync(main).mtimeMs
  } catch {}
  if (built < newest(join(root, 'src')))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
}, 120_000)

const dir = tempDir()
afterAll(() => dir.remove())

/** Starts the command; resolves with its first lines of output once it prints the URL to open. */
function start(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string; url: string }> {
  const child = spawn(process.execPath, [main], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dir.path, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  child.stdout!.on('data', (c) => (text += c))
  child.stderr!.on('data', (c) => (text += c))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed in 15 s:\n${text}`)), 15_000)
    const check = (): void => {
      const match = /Open: (http:\/\/127\.0\.0\.1:\d+)\/#token=/.exec(text)
      if (match !== null) {
        clearTimeout(timer)
        resolve({ child, output: () => text, url: match[1]! })
      }
    }
    child.stdout!.on('data', check)
    child.on('exit', () => {
      clearTimeout(timer)
      reject(new Error(`exited early:\n${text}`))
    })
  })
}

function exited(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`still running after ${ms} ms`))
    }, ms)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, ms: Date.now() - started })
    })
  })
}

/** Opens the event stream; resolves once its first bytes came, with a promise of its end. */
function openStream(url: string, token: string): Promise<{ ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/events?token=${token}`, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`event stream answered ${res.statusCode}`))
      const ended = new Promise<void>((done) => {
        res.on('close', done)
        res.on('end', done)
      })
      res.once('data', () => resolve({ ended }))
      res.on('data', () => {})
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the start command', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    it(`prints the URL with the token and the Firefox command, and exits within 5 s of ${signal} with an event stream open`, async () => {
      const token = 'lifecycle-token-0123456789'
      const { child, output, url } = await start({ DEMO_TOKEN: token })
      expect(output()).toContain(`Open: ${url}/#token=${token}`)
      expect(output()).toMatch(/node \S*firefox\.js '/)
      const { ended } = await openStream(url, token)
      child.kill(signal)
      const exit = await exited(child, 5000)
      expect(exit.code).toBe(0)
      await ended
    })

  it('generates a token when DEMO_TOKEN is unset', async () => {
    const { child, output } = await start({})
    expect(output()).toMatch(/#token=[A-Za-z0-9_-]{43}\n/)
    child.kill('SIGTERM')
    expect((await exited(child, 5000)).code).toBe(0)
  })

  it('with REDIS_URL: sends through the queue, and exits 0 within 5 s of SIGTERM with an event stream open', async () => {
    const redis = await startRedis()
    try {
      const token = 'lifecycle-token-0123456789'
      const { child, output, url } = await start({ DEMO_TOKEN: token, REDIS_URL: redis.url })
      // The notice is on stderr, the URL on stdout: two pipes, read in either order.
      for (let i = 0; i < 40 && !output().includes('sending through @wp/queue'); i++)
        await new Promise((resolve) => setTimeout(resolve, 50))
      expect(output()).toMatch(/sending through @wp\/queue \(queue wp-demo-[0-9a-f]{16}\)/)
      const { ended } = await openStream(url, token)
      child.kill('SIGTERM')
      const exit = await exited(child, 5000)
      expect(exit.code).toBe(0)
      await ended
    } finally {
      await redis.stop()
    }
  })

  it('exits 1 naming REDIS_URL when nothing answers there', async () => {
    const child = spawn(process.execPath, [main], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dir.path,
        PORT: '0',
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let text = ''
    child.stderr!.on('data', (c) => (text += c))
    const exit = await exited(child, 15_000)
    expect(exit.code).toBe(1)
    expect(text).toMatch(/cannot reach Redis at REDIS_URL/)
  })

  for (const [name, env, message] of [
    ['PORT', { PORT: '3000x' }, /PORT must be a port number/],
    ['PUSH_SERVICE', { PUSH_SERVICE: 'cloud' }, /PUSH_SERVICE must be 'local' or 'public'/],
    ['DEMO_TOKEN', { DEMO_TOKEN: 'short' }, /DEMO_TOKEN must be 16 to 512 characters/],
    ['REDIS_URL', { REDIS_URL: 'http://x' }, /REDIS_URL must be a redis:\/\//],
    ['LOCAL_PUSH_PORT', { PORT: '65535' }, /LOCAL_PUSH_PORT must be set/],
  ] as const)
    it(`exits 2 naming ${name} when it is wrong`, async () => {
      const child = spawn(process.execPath, [main], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', DATA_DIR: dir.path, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let text = ''
      child.stderr!.on('data', (c) => (text += c))
      const exit = await exited(child, 10_000)
      expect(exit.code).toBe(2)
      expect(text).toMatch(message)
    })
})
