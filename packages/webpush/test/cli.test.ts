/** The `webpush` CLI, run as the real built binary (node dist/cli.js) against a local push service. */
import { execFile, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type PushService, startPushService, type TestSubscriber } from '@wp/push-service'
import { importVapidKey } from '@wp/vapid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateVapidKeys } from '../src/index.js'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const CLI = join(packageDir, 'dist', 'cli.js')
const service: PushService = await startPushService()
const keys = await generateVapidKeys()
let dir: string

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs `file ...args` in the test folder; never throws. */
function exec(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

const webpush = (...args: string[]): Promise<Run> => exec(process.execPath, [CLI, ...args])

/**
 * Runs the CLI with `stdin` as its standard input: bytes written then closed, bytes written and the
 * pipe left open (`keepOpen`), or an open file descriptor the child shares (its offset with it).
 * Killed after `timeoutMs` (code -1); never throws.
 */
function webpushStdin(
  args: string[],
  stdin: { bytes?: Uint8Array; keepOpen?: boolean; fd?: number },
  timeoutMs = 30_000,
): Promise<Run & { ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: [stdin.fd ?? 'pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.stdin?.on('error', () => {})
    if (stdin.bytes !== undefined) child.stdin?.write(stdin.bytes)
    if (!stdin.keepOpen) child.stdin?.end()
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      child.stdin?.destroy()
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started })
    })
  })
}

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, content)
  return path
}

async function subscriber(): Promise<{ sub: TestSubscriber; info: string }> {
  const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
  return { sub, info: await file(`sub-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(sub.subscription)) }
}

let vapidArgs: string[]

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('build the CLI first: npx tsc -p tsconfig.build.json')
  const built = statSync(CLI).mtimeMs
  const source = join(packageDir, 'src', 'cli.ts')
  if (statSync(source).mtimeMs > built) throw new Error('dist/cli.js is older than src/cli.ts: build it again')
  expect(readdirSync(join(packageDir, 'dist'))).toContain('cli.js')
  dir = await mkdtemp(join(tmpdir(), 'wp-webpush-cli-'))
  vapidArgs = [
    '--key',
    await file('private_key.pem', (await importVapidKey(keys.privateKey)).toPEM()),
    '--claims',
    await file('claims.json', JSON.stringify({ sub: 'mailto:ops@example.com' })),
    '--allow-private-network',
  ]
})
afterAll(async () => {
  await service.close()
  await rm(dir, { recursive: true, force: true })
})

describe('webpush (send one message)', () => {
  for (const encoding of ['aes128gcm', 'aesgcm'])
    it(`--info and --data: ${encoding} arrives decrypted, exit 0`, async () => {
      const { sub, info } = await subscriber()
      const data = await file('data.bin', new Uint8Array([0, 1, 2, 0xff, 0x68, 0x69]))
      const run = await webpush('--info', info, '--data', data, '--encoding', encoding, '--ttl', '60', ...vapidArgs)
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout.trim()).toBe('201 created')
      const push = await sub.next({ timeoutMs: 5000 })
      expect(push.payload).toEqual(new Uint8Array([0, 1, 2, 0xff, 0x68, 0x69]))
      expect(push.encoding).toBe(encoding)
      expect(push.headers.ttl).toBe('60')
    })

  it('--data - reads the payload from stdin, its bytes as they are', async () => {
    const { sub, info } = await subscriber()
    const bytes = new Uint8Array([0, 1, 2, 0xff, 0x0a, 0x68, 0x69, 0x0d])
    const run = await webpushStdin(['--info', info, '--data', '-', ...vapidArgs], { bytes })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe('201 created')
    expect((await sub.next({ timeoutMs: 5000 })).payload).toEqual(bytes)
  })

  it("--data - takes up to the encoding's limit: 4078 bytes with aesgcm", async () => {
    const { sub, info } = await subscriber()
    const bytes = new Uint8Array(4078).map((_, i) => i % 251)
    const run = await webpushStdin(['--info', info, '--data', '-', '--encoding', 'aesgcm', ...vapidArgs], { bytes })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect((await sub.next({ timeoutMs: 5000 })).payload).toEqual(bytes)
  })

  it('--data - over the limit: exit 1 naming the limit, and no more than limit + 1 bytes of stdin read', async () => {
    const { sub, info } = await subscriber()
    const size = 1024 * 1024
    const big = await file('big.bin', new Uint8Array(size).fill(0x61))
    const fd = openSync(big, 'r')
    try {
      const run = await webpushStdin(['--info', info, '--data', '-', ...vapidArgs], { fd })
      expect(run.code).toBe(1)
      expect(run.stdout).toBe('')
      expect(run.stderr).toBe(
        'webpush: --data: stdin holds more than 3993 bytes; an aes128gcm push message holds at most 3993 (ERR_WP_PAYLOAD_TOO_LARGE)\n',
      )
      // The child shared the file's offset: what is left unread tells how much it read.
      const buffer = new Uint8Array(64 * 1024)
      let left = 0
      for (
        let n = readSync(fd, buffer, 0, buffer.length, null);
        n > 0;
        n = readSync(fd, buffer, 0, buffer.length, null)
      )
        left += n
      expect(size - left).toBeLessThanOrEqual(3994)
    } finally {
      closeSync(fd)
    }
    await expect(sub.next({ timeoutMs: 300 })).rejects.toThrow()
  })

  it('--data - over the limit on a stdin that never ends: refused without waiting for its end', async () => {
    const { info } = await subscriber()
    const bytes = new Uint8Array(8192).fill(0x62)
    const run = await webpushStdin(['--info', info, '--data', '-', ...vapidArgs], { bytes, keepOpen: true }, 20_000)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/holds more than 3993 bytes.*\(ERR_WP_PAYLOAD_TOO_LARGE\)/)
    expect(run.ms).toBeLessThan(15_000)
  })

  it('--data FILE over the limit is refused the same way, naming the file', async () => {
    const { info } = await subscriber()
    const big = await file('big-data.bin', new Uint8Array(10_000))
    const run = await webpush('--info', info, '--data', big, ...vapidArgs)
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      `webpush: --data: ${big} holds more than 3993 bytes; an aes128gcm push message holds at most 3993 (ERR_WP_PAYLOAD_TOO_LARGE)\n`,
    )
  })

  it('--endpoint/--p256dh/--auth, --urgency, --topic, --head, --wns', async () => {
    const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
    const { endpoint, keys: k } = sub.subscription as { endpoint: string; keys: { p256dh: string; auth: string } }
    const data = await file('hello.txt', 'hello')
    const head = await file('head.json', JSON.stringify({ 'X-Extra': 'yes' }))
    const run = await webpush(
      '--endpoint',
      endpoint,
      '--p256dh',
      k.p256dh,
      '--auth',
      k.auth,
      '--data',
      data,
      '--urgency',
      'high',
      '--topic',
      'news',
      '--head',
      head,
      '--wns',
      ...vapidArgs,
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const push = await sub.next({ timeoutMs: 5000 })
    expect(new TextDecoder().decode(push.payload)).toBe('hello')
    expect(push.headers.urgency).toBe('high')
    expect(push.headers.topic).toBe('news')
    expect(push.headers['x-extra']).toBe('yes')
    expect(push.headers['x-wns-cache-policy']).toBe('cache')
  })

  it('--verbose says what was sent on stderr, never the key or the token', async () => {
    const { sub, info } = await subscriber()
    const data = await file('v.txt', 'v')
    const run = await webpush('--info', info, '--data', data, '--verbose', ...vapidArgs)
    expect(run.code).toBe(0)
    expect(run.stderr).toContain('201 created')
    await sub.next({ timeoutMs: 5000 })
    const all = run.stdout + run.stderr
    expect(all).not.toContain(keys.privateKey)
    expect(all).not.toMatch(/vapid t=|eyJ/)
  })

  it('--curl prints a command that the system curl runs and the message is delivered', async () => {
    const { sub, info } = await subscriber()
    const data = await file('curl.txt', 'by curl')
    const run = await webpush('--info', info, '--data', data, '--curl', ...vapidArgs)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/curl /)
    const sent = await exec('sh', ['-c', run.stdout])
    expect(sent.code).toBe(0)
    expect(sent.stdout).toMatch(/^HTTP\/1\.1 201/)
    const push = await sub.next({ timeoutMs: 5000 })
    expect(new TextDecoder().decode(push.payload)).toBe('by curl')
  })

  it('a refusal exits 1 with the status and the reason on stderr', async () => {
    const { sub, info } = await subscriber()
    await sub.unsubscribe()
    const run = await webpush('--info', info, ...vapidArgs)
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^webpush: the push service refused the message: 410 gone: \S/)
    expect(run.stderr).not.toContain(keys.privateKey)
  })

  it('without --allow-private-network a local endpoint is refused before any I/O (exit 1)', async () => {
    const { sub, info } = await subscriber()
    const run = await webpush('--info', info, '--key', vapidArgs[1] as string, '--claims', vapidArgs[3] as string)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^webpush: .*\(ERR_WP_/)
    await expect(sub.next({ timeoutMs: 300 })).rejects.toThrow()
  })
})

describe('--allow-origin', () => {
  const signArgs = (): string[] => vapidArgs.slice(0, 4)

  it("lets the listed origin be private or http: (the local push service's)", async () => {
    const { sub, info } = await subscriber()
    const run = await webpush('--info', info, ...signArgs(), '--allow-origin', new URL(service.url).origin)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    await sub.next({ timeoutMs: 5000 })
  })

  it('an endpoint on another origin stays refused before any I/O (exit 1)', async () => {
    const { sub, info } = await subscriber()
    const run = await webpush('--info', info, ...signArgs(), '--allow-origin', 'http://127.0.0.1:1')
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^webpush: .*\(ERR_WP_/)
    await expect(sub.next({ timeoutMs: 300 })).rejects.toThrow()
  })

  it('a value that is not an origin is a usage error (exit 2)', async () => {
    const { info } = await subscriber()
    const run = await webpush('--info', info, ...signArgs(), '--allow-origin', 'https://push.example/p?x=1')
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^webpush: --allow-origin must be an origin such as http:\/\/127\.0\.0\.1:8090/)
  })
})

describe('usage errors exit 2 with the usage text', () => {
  const cases: [string, string[]][] = [
    ['no subscription', []],
    ['an unknown flag', ['--nope']],
    ['an unknown command', ['frobnicate']],
    ['--p256dh without --auth', ['--endpoint', 'https://push.example/p/1', '--p256dh', 'x']],
    ['--claims without --key', ['--endpoint', 'https://push.example/p/1', '--claims', 'claims.json']],
    ['--info and --endpoint together', ['--info', 'a.json', '--endpoint', 'https://push.example/p/1']],
    ['a missing --info file', ['--info', 'missing.json']],
    ['a --ttl that is no number', ['--endpoint', 'https://push.example/p/1', '--ttl', 'soon']],
    ['a flag without its value', ['--info']],
  ]
  for (const [name, args] of cases)
    it(name, async () => {
      const run = await webpush(...args)
      expect(run.code).toBe(2)
      expect(run.stdout).toBe('')
      expect(run.stderr).toMatch(/^webpush: /)
      expect(run.stderr).toContain('Usage: webpush')
    })

  it('--help prints the usage and exits 0', async () => {
    const run = await webpush('--help')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Usage: webpush')
  })
})

describe('generate-vapid-keys', () => {
  it('--json prints a key pair that signs', async () => {
    const run = await webpush('generate-vapid-keys', '--json')
    expect(run.code).toBe(0)
    const pair = JSON.parse(run.stdout) as { publicKey: string; privateKey: string }
    const key = await importVapidKey(pair.privateKey)
    expect(key.applicationServerKey).toBe(pair.publicKey)
  })

  it('prints both keys as text', async () => {
    const run = await webpush('generate-vapid-keys')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Public Key:\n[\w-]{87}\n\nPrivate Key:\n[\w-]{43}\n$/)
  })
})
