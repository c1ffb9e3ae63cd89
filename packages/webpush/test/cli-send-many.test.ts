/** `webpush send-many`, run as the real built binary against a local push service. */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type PushService, startPushService } from '@wp/push-service'
import { importVapidKey } from '@wp/vapid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateVapidKeys } from '../src/index.js'

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js')
const service: PushService = await startPushService({
  limits: { maxPendingPerChannel: 20_000, maxPendingPerUaid: 20_000, maxPendingMessages: 20_000 },
})
const keys = await generateVapidKeys()
let dir: string
let vapidArgs: string[]

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the CLI with `args`, `input` on stdin; never throws. */
function webpush(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: dir, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr })
      },
    )
    child.stdin?.end(input)
  })
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('build the CLI first: npx tsc -p tsconfig.build.json')
  dir = await mkdtemp(join(tmpdir(), 'wp-webpush-send-many-'))
  const key = join(dir, 'private_key.pem')
  await writeFile(key, (await importVapidKey(keys.privateKey)).toPEM())
  await writeFile(join(dir, 'claims.json'), JSON.stringify({ sub: 'mailto:ops@example.com' }))
  await writeFile(join(dir, 'data.txt'), 'hello all')
  vapidArgs = ['--key', key, '--claims', join(dir, 'claims.json'), '--allow-private-network']
})
/** The VAPID flags without --allow-private-network. */
const signArgs = (): string[] => vapidArgs.slice(0, 4)

afterAll(async () => {
  await service.close()
  await rm(dir, { recursive: true, force: true })
})

describe('webpush send-many', () => {
  it('10,000 lines: one result line each, the summary by outcome, exit 1 when some failed', async () => {
    const live = await Promise.all(
      Array.from({ length: 10 }, () => service.subscribe({ applicationServerKey: keys.publicKey })),
    )
    const gone = await service.subscribe({ applicationServerKey: keys.publicKey })
    await gone.unsubscribe()
    const lines: string[] = []
    const expected = { sent: 0, gone: 0, invalid: 0 }
    for (let i = 0; i < 10_000; i++) {
      if (i % 1000 === 7) {
        lines.push('{not json')
        expected.invalid++
      } else if (i % 1000 === 11) {
        lines.push(JSON.stringify(gone.subscription))
        expected.gone++
      } else {
        lines.push(JSON.stringify(live[i % live.length]?.subscription))
        expected.sent++
      }
    }
    await writeFile(join(dir, 'subs.jsonl'), `${lines.join('\n')}\n`)
    const started = Date.now()
    const run = await webpush([
      'send-many',
      '--subscriptions',
      join(dir, 'subs.jsonl'),
      '--data',
      join(dir, 'data.txt'),
      '--out',
      join(dir, 'results.jsonl'),
      '--concurrency',
      '50',
      ...vapidArgs,
    ])
    expect(Date.now() - started).toBeLessThan(200_000)
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    const results = (await readFile(join(dir, 'results.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; ok: boolean; outcome: string; status?: number })
    expect(results.length).toBe(10_000)
    expect(new Set(results.map((r) => r.line)).size).toBe(10_000)
    const byLine = new Map(results.map((r) => [r.line, r]))
    expect(byLine.get(8)).toMatchObject({ ok: false, outcome: 'invalid' })
    expect(byLine.get(12)).toMatchObject({ ok: false, outcome: 'gone', status: 410 })
    expect(byLine.get(1)).toMatchObject({ ok: true, outcome: 'created', status: 201 })
    expect(results.filter((r) => r.ok).length).toBe(expected.sent)
    // Not a terminal: plain lines, then the summary as the last line.
    const last = run.stderr.trim().split('\n').at(-1)
    expect(last).toBe(
      `sent ${expected.sent}, gone ${expected.gone}, failed ${expected.invalid} (invalid ${expected.invalid})`,
    )
    expect(run.stderr).not.toContain('\r')
    expect(run.stderr).not.toContain(keys.privateKey)
    // Every live subscriber got its share, decrypted.
    const first = await live[0]?.next({ timeoutMs: 10_000 })
    expect(new TextDecoder().decode(first?.payload)).toBe('hello all')
  }, 240_000)

  it('stdin ("-") to stdout; all sent: exit 0', async () => {
    const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
    const input = `${Array.from({ length: 20 }, () => JSON.stringify(sub.subscription)).join('\n')}\n`
    const run = await webpush(
      ['send-many', '--subscriptions', '-', '--data', join(dir, 'data.txt'), ...vapidArgs],
      input,
    )
    expect(run.code).toBe(0)
    const results = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ok: boolean })
    expect(results.length).toBe(20)
    expect(results.every((r) => r.ok)).toBe(true)
    expect(run.stderr.trim().split('\n').at(-1)).toBe('sent 20, gone 0, failed 0')
    for (let i = 0; i < 20; i++) expect((await sub.next({ timeoutMs: 5000 })).payload.length).toBe(9)
  })

  it('--data - reads the payload from stdin when the subscriptions come from a file', async () => {
    const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
    await writeFile(
      join(dir, 'two.jsonl'),
      `${JSON.stringify(sub.subscription)}\n${JSON.stringify(sub.subscription)}\n`,
    )
    const run = await webpush(
      ['send-many', '--subscriptions', join(dir, 'two.jsonl'), '--data', '-', ...vapidArgs],
      'from stdin',
    )
    expect(run.code).toBe(0)
    expect(run.stderr.trim().split('\n').at(-1)).toBe('sent 2, gone 0, failed 0')
    for (let i = 0; i < 2; i++)
      expect(new TextDecoder().decode((await sub.next({ timeoutMs: 5000 })).payload)).toBe('from stdin')
  })

  it('--allow-origin: the listed origins alone may be private or http:; another local endpoint gets no request', async () => {
    let hits = 0
    const decoy = createServer((_req, res) => {
      hits++
      res.writeHead(201).end()
    })
    let connections = 0
    decoy.on('connection', () => connections++)
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve))
    try {
      const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
      const port = (decoy.address() as AddressInfo).port
      const other = { ...sub.subscription, endpoint: `http://127.0.0.1:${port}/push/x` }
      const otherHttps = { ...sub.subscription, endpoint: `https://127.0.0.1:${port}/push/y` }
      const lines = [sub.subscription, other, sub.subscription, otherHttps].map((s) => JSON.stringify(s))
      await writeFile(join(dir, 'mixed.jsonl'), `${lines.join('\n')}\n`)
      const run = await webpush([
        'send-many',
        '--subscriptions',
        join(dir, 'mixed.jsonl'),
        '--data',
        join(dir, 'data.txt'),
        ...signArgs(),
        // Spelled with a trailing slash: the flag takes an origin as URL parsing spells it.
        '--allow-origin',
        `${new URL(service.url).origin}/`,
      ])
      expect(run.code).toBe(1)
      const results = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; ok: boolean; outcome: string; error?: string })
        .sort((a, b) => a.line - b.line)
      expect(results.map((r) => [r.line, r.ok])).toEqual([
        [1, true],
        [2, false],
        [3, true],
        [4, false],
      ])
      expect(results[1]?.outcome).toBe('invalid')
      expect(results[1]?.error).toMatch(/http: needs allowPrivateNetwork/)
      expect(results[3]?.error).toMatch(/private|loopback/)
      expect(run.stderr.trim().split('\n').at(-1)).toMatch(/^sent 2, gone 0, failed 2 \(/)
      expect(hits).toBe(0)
      expect(connections).toBe(0)
      for (let i = 0; i < 2; i++) await sub.next({ timeoutMs: 5000 })
    } finally {
      await new Promise((resolve) => decoy.close(resolve))
    }
  })

  for (const [claim, value, message] of [
    ['aud', 'https://fcm.googleapis.com', /--claims: send-many signs for each push service with its own "aud"/],
    ['exp', Math.floor(Date.now() / 1000) + 3600, /--claims: send-many renews its tokens as it goes; "exp"/],
    ['jti', 'x', /--claims: unknown claim "jti"/],
  ] as const)
    it(`--claims with "${claim}" is refused before anything is sent (exit 2)`, async () => {
      const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
      const claims = join(dir, `claims-${claim}.json`)
      await writeFile(claims, JSON.stringify({ sub: 'mailto:ops@example.com', [claim]: value }))
      const run = await webpush(
        [
          'send-many',
          '--subscriptions',
          '-',
          '--data',
          join(dir, 'data.txt'),
          '--key',
          vapidArgs[1] as string,
          '--claims',
          claims,
          '--allow-private-network',
        ],
        `${JSON.stringify(sub.subscription)}\n`,
      )
      expect(run.code).toBe(2)
      expect(run.stdout).toBe('')
      expect(run.stderr).toMatch(message)
      await expect(sub.next({ timeoutMs: 300 })).rejects.toThrow()
    })

  it('an --out that cannot be opened is a usage error before anything is sent (exit 2), not a crash', async () => {
    const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
    const out = join(dir, 'no-such-folder', 'results.jsonl')
    const run = await webpush(
      ['send-many', '--subscriptions', '-', '--data', join(dir, 'data.txt'), '--out', out, ...vapidArgs],
      `${JSON.stringify(sub.subscription)}\n`,
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      new RegExp(`^webpush: --out: cannot write ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`),
    )
    expect(run.stderr).toContain('Usage: webpush')
    expect(run.stderr).not.toMatch(/\n\s+at |node:events/)
    await expect(sub.next({ timeoutMs: 300 })).rejects.toThrow()
  })

  it.skipIf(!existsSync('/dev/full'))(
    'an --out that fails while writing: one line on stderr, exit 1, no stack',
    async () => {
      const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
      const run = await webpush(
        ['send-many', '--subscriptions', '-', '--data', join(dir, 'data.txt'), '--out', '/dev/full', ...vapidArgs],
        `${JSON.stringify(sub.subscription)}\n`,
      )
      expect(run.code).toBe(1)
      expect(run.stderr.trim().split('\n').at(-1)).toMatch(/^webpush: --out: cannot write \/dev\/full \(ENOSPC\)$/)
      expect(run.stderr).not.toMatch(/\n\s+at |node:events/)
    },
  )

  for (const [name, args] of [
    ['--data - and --subscriptions - together', ['send-many', '--subscriptions', '-', '--data', '-']],
    ['no --subscriptions', ['send-many', '--data', 'data.txt']],
    ['no --data', ['send-many', '--subscriptions', '-']],
    ['a missing file', ['send-many', '--subscriptions', 'missing.jsonl', '--data', 'data.txt']],
    ['a bad --concurrency', ['send-many', '--subscriptions', '-', '--data', 'data.txt', '--concurrency', '0']],
  ] as const)
    it(`usage error: ${name} exits 2`, async () => {
      const run = await webpush([...args, ...vapidArgs])
      expect(run.code).toBe(2)
      expect(run.stderr).toContain('Usage: webpush')
    })

  for (const [name, args, message] of [
    ['an --allow-origin that is no URL', ['--allow-origin', 'localhost'], /--allow-origin must be an origin/],
    [
      'an --allow-origin with a path',
      ['--allow-origin', 'http://127.0.0.1:8090/push'],
      /--allow-origin must be an origin/,
    ],
    [
      '--allow-origin with --allow-private-network',
      ['--allow-origin', 'http://127.0.0.1:8090', '--allow-private-network'],
      /--allow-origin and --allow-private-network/,
    ],
  ] as const)
    it(`usage error: ${name} exits 2`, async () => {
      const run = await webpush([
        'send-many',
        '--subscriptions',
        '-',
        '--data',
        join(dir, 'data.txt'),
        ...signArgs(),
        ...args,
      ])
      expect(run.code).toBe(2)
      expect(run.stderr).toMatch(message)
      expect(run.stdout).toBe('')
    })
})
