/**
 * The per-runtime examples, run as a user runs them: `examples/deno/send.ts` in Deno (loopback network
 * only) and `examples/bun/send.ts` in Bun, each pushing to a local @wp/push-service test subscriber,
 * and `examples/browser` (bundled with esbuild from the BUILT packages, as a user bundles it) in
 * headless Chromium. Each example is a workspace member whose package.json depends on the packages it
 * imports, so it resolves them from its own `node_modules` as a user's project does after
 * `npm install @wp/webpush`; `deno check` type-checks the Deno example against the built `.d.ts`.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type PushService, startPushService, type TestSubscriber } from '@wp/push-service'
import { generateVapidKeys } from '@wp/vapid'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from '../browser/launch.js'
import { type SuitePage, servePage } from '../browser/server.js'
import { bin } from './harness.js'

const examples = fileURLToPath(new URL('../../examples/', import.meta.url))
const SUBJECT = 'mailto:examples@example.com'

let service: PushService
let vapid: { publicKey: string; privateKey: string }
let scratch: string

beforeAll(async () => {
  service = await startPushService({ host: '127.0.0.1' })
  vapid = await generateVapidKeys()
  scratch = await mkdtemp(join(tmpdir(), 'wp-examples-'))
}, 30_000)

afterAll(async () => {
  await service?.close()
  if (scratch) await rm(scratch, { recursive: true, force: true })
}, 30_000)

/** Runs `command args` in the example's directory `dir` (as a user runs it) with `env` and `stdin`, within 60 s. */
/** The script printed the push service's 201 and exited 0, and the subscriber decrypted `sent`, signed for SUBJECT. */
async function expectDelivered(
  result: { stdout: string; stderr: string; code: number | null },
  subscriber: TestSubscriber,
  sent: string,
): Promise<void> {
  expect(result.stdout.trim(), result.stderr).toBe('status 201')
  expect(result.code).toBe(0)
  const received = await subscriber.next({ timeoutMs: 5000 })
  expect(received.text).toBe(sent)
  expect(received.claims?.sub).toBe(SUBJECT)
}

function run(dir: string, command: string, args: string[], env: Record<string, string>, stdin?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      command,
      args,
      {
        cwd: join(examples, dir),
        timeout: 60_000,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number | null) ?? 1) : 0, stdout, stderr }),
    )
    child.stdin?.end(stdin ?? '')
  })
}

describe('the Deno example', () => {
  it('type-checks with deno check against the built packages', { timeout: 120_000 }, async () => {
    const result = await run('deno', bin('deno'), ['check', '--quiet', join(examples, 'deno', 'send.ts')], {})
    expect(result.stderr + result.stdout).toBe('')
    expect(result.code).toBe(0)
  })

  it('sends a push the subscriber decrypts, with the key from an environment variable', {
    timeout: 120_000,
  }, async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    const sent = `from deno ${Date.now()} ✓`
    const env = {
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: SUBJECT,
      ALLOW_PRIVATE_NETWORK: new URL(service.url).origin,
    }
    const result = await run(
      'deno',
      bin('deno'),
      [
        'run',
        '--allow-net=127.0.0.1',
        '--allow-env=VAPID_PRIVATE_KEY,VAPID_PRIVATE_KEY_FILE,VAPID_SUBJECT,ALLOW_PRIVATE_NETWORK',
        join(examples, 'deno', 'send.ts'),
        JSON.stringify(subscriber.subscription),
        sent,
      ],
      env,
    )
    await expectDelivered(result, subscriber, sent)
  })

  it('reports the status of a subscription that is gone, and exits 1', { timeout: 120_000 }, async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    await subscriber.unsubscribe()
    const keyFile = join(scratch, 'deno-key.pem')
    await writeFile(keyFile, vapid.privateKey)
    const result = await run(
      'deno',
      bin('deno'),
      [
        'run',
        '--allow-net=127.0.0.1',
        `--allow-read=${keyFile}`,
        '--allow-env=VAPID_PRIVATE_KEY,VAPID_PRIVATE_KEY_FILE,VAPID_SUBJECT,ALLOW_PRIVATE_NETWORK',
        join(examples, 'deno', 'send.ts'),
        JSON.stringify(subscriber.subscription),
        'nobody reads this',
      ],
      { VAPID_PRIVATE_KEY_FILE: keyFile, VAPID_SUBJECT: SUBJECT, ALLOW_PRIVATE_NETWORK: new URL(service.url).origin },
    )
    expect(result.stderr).toMatch(/^status 410 \(gone\)$/m)
    expect(result.code).toBe(1)
  })
})

describe('the Bun example', () => {
  it('sends the text of stdin, with the key from a file, and the subscriber decrypts it', {
    timeout: 120_000,
  }, async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    const keyFile = join(scratch, 'bun-key.pem')
    await writeFile(keyFile, vapid.privateKey)
    const sent = `from bun ${Date.now()} ✓`
    const result = await run(
      'bun',
      bin('bun'),
      ['run', join(examples, 'bun', 'send.ts'), JSON.stringify(subscriber.subscription)],
      { VAPID_PRIVATE_KEY_FILE: keyFile, VAPID_SUBJECT: SUBJECT, ALLOW_PRIVATE_NETWORK: new URL(service.url).origin },
      sent,
    )
    await expectDelivered(result, subscriber, sent)
  })
})

/** Serves `examples/browser/index.html` and `encrypt.js` bundled for the browser on 127.0.0.1. */
async function serveBrowserExample(): Promise<SuitePage> {
  const dir = join(examples, 'browser')
  const bundled = await build({
    entryPoints: [join(dir, 'encrypt.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    splitting: true,
    outdir: join(dir, 'out'),
    entryNames: '[name].bundle',
    write: false,
    logLevel: 'silent',
  })
  const files = new Map<string, Uint8Array>()
  for (const file of bundled.outputFiles) files.set(`/${file.path.slice(join(dir, 'out').length + 1)}`, file.contents)
  return servePage(await readFile(join(dir, 'index.html')), files)
}

describe('the browser example in chromium', () => {
  it('encrypts a message, shows its length and headers, and decrypts it back', { timeout: 60_000 }, async () => {
    const site = await serveBrowserExample()
    const launched = await launchBrowser('chromium').catch(async (error: unknown) => {
      await site.close()
      throw error
    })
    try {
      const page = await launched.browser.newPage()
      const errors: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`)
      })
      page.on('pageerror', (error: unknown) => errors.push(`pageerror: ${String(error)}`))
      await page.goto(site.url, { waitUntil: 'load', timeout: 15_000 })
      const text = (id: string) => page.$eval(`#${id}`, (element) => element.textContent ?? '')
      await page.waitForFunction(() => document.getElementById('decrypted')?.textContent !== '', { timeout: 15_000 })
      expect(await text('decrypted')).toBe('Hello from the page ✓')
      // 86 header bytes + the text (23 bytes in UTF-8) + the padding delimiter + a 16-byte tag (RFC 8291 §4).
      expect(await text('length')).toBe('126 bytes (aes128gcm)')
      expect(JSON.parse(await text('headers'))).toEqual({ 'Content-Encoding': 'aes128gcm' })

      // Another message through the form, in the legacy encoding.
      const another = `typed ${Date.now()} ✓`
      await page.$eval(
        '#message',
        (input, value) => {
          ;(input as HTMLInputElement).value = value
        },
        another,
      )
      await page.select('#encoding', 'aesgcm')
      await page.click('button[type=submit]')
      await page.waitForFunction(
        (expected) => document.getElementById('decrypted')?.textContent === expected,
        { timeout: 15_000 },
        another,
      )
      expect(await text('length')).toMatch(/^\d+ bytes \(aesgcm\)$/)
      const headers = JSON.parse(await text('headers'))
      expect(headers['Content-Encoding']).toBe('aesgcm')
      expect(headers.Encryption).toMatch(/^salt=[\w-]{22}$/)
      expect(headers['Crypto-Key']).toMatch(/^dh=[\w-]{87}/)
      expect(errors).toEqual([])
    } finally {
      await launched.close()
      await site.close()
    }
  })
})
