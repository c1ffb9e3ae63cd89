import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decryptWebPush, generateSubscriptionKeys, WebPushError } from '@wp/ece'
import { type PushService, startPushService } from '@wp/push-service'
import { afterAll, describe, expect, it } from 'vitest'
import { createClientCore } from '../src/client.js'
import { createPushClient, generateVapidKeys } from '../src/index.js'
import { createEncryptPool, HIGH_WATER } from '../src/internal/encrypt-pool.node.js'
import { runOnSources } from './sources.js'

const service: PushService = await startPushService()
const allowPrivateNetwork = [new URL(service.url).origin]
const vapidKeys = await generateVapidKeys()
const vapid = { privateKey: vapidKeys.privateKey, subject: 'mailto:ops@example.com' }

afterAll(async () => {
  await service.close()
})

/** The sender's public key of an aes128gcm body: the header's key id (RFC 8291 §4). */
const keyIdOf = (body: Uint8Array) => Buffer.from(body.subarray(21, 86)).toString('hex')

describe('the encryption pool', () => {
  it('encrypts on the worker, and on the calling thread while more waits than the worker holds', async () => {
    const receiver = await generateSubscriptionKeys()
    const pool = createEncryptPool(1)
    try {
      // the first message starts the worker and goes to it
      await pool.encrypt({
        payload: new Uint8Array(1),
        p256dh: receiver.publicKey,
        auth: receiver.auth,
        encoding: 'aes128gcm',
      })
      expect(pool.counts).toEqual({ workers: 1, here: 0 })
      const n = 200
      const texts = Array.from({ length: n }, (_, i) => `message ${i} `.repeat(40))
      const out = await Promise.all(
        texts.map((t) =>
          pool.encrypt({
            payload: new TextEncoder().encode(t),
            p256dh: receiver.publicKey,
            auth: receiver.auth,
            encoding: 'aes128gcm',
          }),
        ),
      )
      // every body decrypts to its own text, with a fresh ephemeral key each
      for (let i = 0; i < n; i++)
        expect(new TextDecoder().decode(await decryptWebPush(out[i]?.body as Uint8Array, receiver))).toBe(texts[i])
      expect(new Set(out.map((m) => keyIdOf(m.body))).size).toBe(n)
      // 200 at once: the worker took HIGH_WATER at once and more as it answered; the calling thread
      // took one per turn of its event loop
      expect(pool.counts.workers).toBeGreaterThan(HIGH_WATER)
      expect(pool.counts.here).toBeGreaterThan(0)
      expect(pool.counts.workers + pool.counts.here).toBe(n + 1)
      expect(pool.size).toBe(1)
    } finally {
      await pool.close()
    }
    expect(pool.size).toBe(0)
  })

  it('aesgcm: the body and its Encryption and Crypto-Key headers cross back from the worker', async () => {
    const receiver = await generateSubscriptionKeys()
    const pool = createEncryptPool(2)
    try {
      const m = await pool.encrypt({
        payload: new TextEncoder().encode('legacy'),
        p256dh: receiver.publicKey,
        auth: receiver.auth,
        encoding: 'aesgcm',
      })
      expect(pool.counts.workers).toBe(1)
      expect(m.headers.Encryption).toMatch(/^salt=/)
      expect(m.headers['Crypto-Key']).toMatch(/^dh=/)
      const plain = await decryptWebPush(m.body, receiver, { encoding: 'aesgcm', headers: m.headers })
      expect(new TextDecoder().decode(plain)).toBe('legacy')
    } finally {
      await pool.close()
    }
  })

  it("a worker's error comes back as the same typed WebPushError, naming no value", async () => {
    const pool = createEncryptPool(1)
    try {
      const offCurve = new Uint8Array(65)
      offCurve[0] = 4
      const error = await pool
        .encrypt({ payload: new Uint8Array(8), p256dh: offCurve, auth: new Uint8Array(16), encoding: 'aes128gcm' })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(WebPushError)
      expect((error as WebPushError).code).toBe('ERR_WP_INVALID_POINT')
      expect(pool.counts.workers).toBe(0)
    } finally {
      await pool.close()
    }
  })

  it('close() with messages in the worker loses none: they are encrypted here', async () => {
    const receiver = await generateSubscriptionKeys()
    const pool = createEncryptPool(1)
    const pending = Array.from({ length: 2 * HIGH_WATER }, (_, i) =>
      pool.encrypt({
        payload: new TextEncoder().encode(`m${i}`),
        p256dh: receiver.publicKey,
        auth: receiver.auth,
        encoding: 'aes128gcm',
      }),
    )
    await pool.close()
    const out = await Promise.all(pending)
    for (let i = 0; i < out.length; i++)
      expect(new TextDecoder().decode(await decryptWebPush(out[i]?.body as Uint8Array, receiver))).toBe(`m${i}`)
    expect(pool.counts.workers + pool.counts.here).toBe(2 * HIGH_WATER)
    expect(pool.size).toBe(0)
    // after close, encryption goes on here
    await pool.encrypt({
      payload: new Uint8Array(1),
      p256dh: receiver.publicKey,
      auth: receiver.auth,
      encoding: 'aes128gcm',
    })
    expect(pool.counts.workers + pool.counts.here).toBe(2 * HIGH_WATER + 1)
  })

  it('an idle pool does not keep the process alive', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wp-pool-'))
    try {
      const script = join(dir, 'idle.mjs')
      const pool = new URL('../src/internal/encrypt-pool.node.ts', import.meta.url).href
      const ece = new URL('../../ece/src/index.ts', import.meta.url).href
      await writeFile(
        script,
        `import { createEncryptPool } from ${JSON.stringify(pool)}\n` +
          `import { generateSubscriptionKeys } from ${JSON.stringify(ece)}\n` +
          'const r = await generateSubscriptionKeys()\n' +
          'const p = createEncryptPool(1)\n' +
          "await p.encrypt({ payload: new Uint8Array(10), p256dh: r.publicKey, auth: r.auth, encoding: 'aes128gcm' })\n" +
          "const settled = Date.now()\nprocess.on('exit', () => console.log(p.counts.workers, Date.now() - settled))\n",
      )
      const stdout = await runOnSources(script)
      const [onWorker, lingerMs] = stdout.trim().split(' ').map(Number)
      expect(onWorker).toBe(1)
      expect(lingerMs).toBeLessThan(1000)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('createPushClient({ workers })', () => {
  it('refuses a bad workers value before anything starts', () => {
    for (const workers of [-1, 1.5, 'all', 257, Number.NaN, null])
      expect(() => createPushClient({ vapid, workers: workers as never })).toThrow(
        expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT', message: expect.stringMatching(/^workers must/) }),
      )
    expect(() => createPushClient({ vapid, workers: 'auto' })).not.toThrow()
    expect(() => createPushClient({ vapid, workers: 0 })).not.toThrow()
  })

  it('a batch through workers: every message delivered once and decrypted by its subscriber, both encodings', async () => {
    const { client, core } = createClientCore({ vapid, allowPrivateNetwork, workers: 1, concurrency: 50 })
    try {
      const subs = await Promise.all(
        Array.from({ length: 20 }, () => service.subscribe({ applicationServerKey: vapidKeys.publicKey })),
      )
      const n = 300
      const items = Array.from({ length: n }, (_, i) => ({ sub: subs[i % subs.length], i }))
      const results = []
      for await (const r of client.sendMany(
        items.map((x) => x.sub?.subscription),
        (_, i) => `payload ${i}`,
        { contentEncoding: 'aes128gcm' },
      ))
        results.push(r)
      expect(results.filter((r) => r.ok && r.outcome === 'created')).toHaveLength(n)
      const aesgcm = await client.send(subs[0]?.subscription as never, 'old one', { contentEncoding: 'aesgcm' })
      expect(aesgcm.status).toBe(201)
      const received: string[] = []
      for (const s of subs) while (s.pending > 0) received.push((await s.next({ timeoutMs: 5000 })).text)
      const expected = [...Array.from({ length: n }, (_, i) => `payload ${i}`), 'old one']
      expect(received.sort()).toEqual(expected.sort())
      // the worker did encrypt (the calling thread may have taken a share while it was busy)
      const counts = core.pool?.counts
      expect(counts?.workers).toBeGreaterThan(0)
      expect((counts?.workers ?? 0) + (counts?.here ?? 0)).toBe(n + 1)
    } finally {
      await client.close()
    }
    expect(core.pool?.size).toBe(0)
  })
})
