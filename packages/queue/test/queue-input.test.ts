/** Bad input: options and messages refused before anything is in Redis, bad items `'invalid'`, a broken source. */
import { checkSubscription, WebPushError } from '@wp/webpush'
import { describe, expect, it } from 'vitest'
import { createPushQueue, startPushWorker } from '../src/index.js'
import { codeOf, collect, scanKeys, subscribers, useQueue, within } from './queue-fixtures.js'

const suite = await useQueue({ name: 'input', chunkSize: 4 })

describe('bad options', () => {
  it('createPushQueue and startPushWorker refuse them with ERR_WP_INVALID_ARGUMENT, naming the field', async () => {
    const { world, vapid } = suite
    const connection = world.redis.url
    for (const [options, named] of [
      [{ connection, name: 'a:b' }, /name/],
      [{ connection, name: '' }, /name/],
      [{ connection, chunkSize: 0 }, /chunkSize/],
      [{ connection, chunkSize: 2.5 }, /chunkSize/],
      [{ connection, retentionSeconds: -1 }, /retentionSeconds/],
      [{ connection, chunksize: 10 }, /chunksize/],
      [{}, /connection/],
      [{ connection: 'http://127.0.0.1:6379' }, /connection/],
      [null, /options/],
    ] as const) {
      expect(() => createPushQueue(options as never)).toThrow(named)
      expect(await codeOf(() => createPushQueue(options as never))).toBe('ERR_WP_INVALID_ARGUMENT')
    }
    for (const [options, named] of [
      [{ connection, vapid, name: 'a:b' }, /name/],
      [{ connection, vapid, concurrency: 0 }, /concurrency/],
      [{ connection, vapid, maxAttempts: 0 }, /maxAttempts/],
      [{ connection, vapid, lockDuration: -5 }, /lockDuration/],
      [{ connection, vapid, onGone: 'yes' }, /onGone/],
      [{ connection, vapid, retries: 3 }, /retries/],
      [{ connection }, /vapid\.privateKey/],
    ] as const) {
      await expect(startPushWorker(options as never)).rejects.toThrow(named)
      expect(await codeOf(() => startPushWorker(options as never))).toBe('ERR_WP_INVALID_ARGUMENT')
    }
  })
})

describe('enqueueMany', () => {
  it('bad data, options or a source that is not iterable reject before any key is made', async () => {
    const { world, queue, keys } = suite
    const [subscriber] = await subscribers(world.service, keys.publicKey, 1)
    const items = [subscriber?.subscription]
    // Every key but the queue's own `meta`, which BullMQ writes when its connection is first ready.
    const made = async (): Promise<string[]> =>
      (await scanKeys(world.admin)).filter((key) => key !== 'bull:input:meta').sort()
    const before = await made()
    const cases: [() => Promise<string>, string][] = [
      [() => queue.enqueueMany(items, 'x'.repeat(5000)), 'ERR_WP_PAYLOAD_TOO_LARGE'],
      [() => queue.enqueueMany(items, 'hi', { ttl: -1 }), 'ERR_WP_INVALID_ARGUMENT'],
      [() => queue.enqueueMany(items, { n: 1n }), 'ERR_WP_INVALID_ARGUMENT'],
      [() => queue.enqueueMany(items, () => 'hi'), 'ERR_WP_INVALID_ARGUMENT'],
      [() => queue.enqueueMany(items, 'hi', { urgency: 'now' as never }), 'ERR_WP_INVALID_ARGUMENT'],
      [() => queue.enqueueMany(items, 'hi', { topic: 'a topic with spaces' }), 'ERR_WP_INVALID_ARGUMENT'],
      [() => queue.enqueueMany(items, 'hi', { tll: 60 } as never), 'ERR_WP_INVALID_ARGUMENT'],
      [() => queue.enqueueMany(42 as never, 'hi'), 'ERR_WP_INVALID_ARGUMENT'],
      [() => queue.enqueueMany(null as never, 'hi'), 'ERR_WP_INVALID_ARGUMENT'],
      [() => queue.enqueueMany({} as never, 'hi'), 'ERR_WP_INVALID_ARGUMENT'],
      [() => queue.enqueueMany('not a list' as never, 'hi'), 'ERR_WP_INVALID_ARGUMENT'],
      [() => queue.enqueue(subscriber?.subscription, 'hi', { ttl: 'soon' as never }), 'ERR_WP_INVALID_ARGUMENT'],
    ]
    for (const [call, code] of cases) {
      const got = await codeOf(call)
      if (code === 'ERR_WP_PAYLOAD_TOO_LARGE') expect(got).toMatch(/^ERR_WP_/)
      else expect(got).toBe(code)
    }
    expect(await made()).toEqual(before)
  })

  it('bad subscriptions of every kind are invalid with the code of what is wrong, and never sent', async () => {
    const { world, queue, keys } = suite
    const [good] = await subscribers(world.service, keys.publicKey, 1)
    if (good === undefined) throw new Error('no subscriber')
    const sub = good.subscription
    const circular: Record<string, unknown> = { ...sub, keys: { ...sub.keys } }
    circular.self = circular
    const bad: unknown[] = [
      null,
      undefined,
      42,
      'https://push.example/x',
      {},
      { endpoint: 'nope', keys: sub.keys },
      { endpoint: 'ftp://push.example/x', keys: sub.keys },
      { ...sub, keys: { auth: sub.keys.auth } },
      { ...sub, keys: { p256dh: 'AAAA', auth: sub.keys.auth } },
      { ...sub, keys: { p256dh: sub.keys.p256dh, auth: 'AAAA' } },
      { ...sub, keys: { p256dh: '!!!', auth: sub.keys.auth } },
      {
        get endpoint(): string {
          throw new Error('no endpoint today')
        },
      },
      circular,
      { ...sub, extra: 10n },
    ]
    const items = [sub, ...bad]
    const id = await queue.enqueueMany(items, 'only the good one')
    await suite.withWorker({}, async () => {
      const results = await collect(queue.results(id))
      expect(results).toHaveLength(items.length)
      const byIndex = new Map(results.map((r) => [r.index, r]))
      expect(byIndex.get(0)?.outcome).toBe('created')
      for (let i = 1; i < items.length; i++) {
        const result = byIndex.get(i)
        let expected = 'ERR_WP_INVALID_ARGUMENT'
        try {
          checkSubscription(items[i], { allowPrivateNetwork: true })
        } catch (error) {
          expected = WebPushError.is(error) ? error.code : 'ERR_WP_INVALID_ARGUMENT'
        }
        expect(result, `item ${i}`).toMatchObject({ ok: false, outcome: 'invalid' })
        expect(result?.error, `item ${i}`).toBeInstanceOf(WebPushError)
        expect((result?.error as WebPushError | undefined)?.code, `item ${i}`).toBe(expected)
      }
      expect((await good.next({ timeoutMs: 5000 })).text).toBe('only the good one')
      expect(good.pending).toBe(0)
    })
  })

  it('a slow source: what was read is sent while it waits for more', async () => {
    const { world, queue, keys } = suite
    const pool = await subscribers(world.service, keys.publicKey, 6)
    let release: () => void = () => {}
    const stalled = new Promise<void>((resolve) => {
      release = resolve
    })
    async function* slow(): AsyncGenerator<unknown> {
      for (const s of pool.slice(0, 5)) yield s.subscription
      await stalled // a database cursor waiting on its next page
      yield pool[5]?.subscription
    }
    const worker = await suite.startWorker()
    let enqueuing: Promise<string> | undefined
    try {
      enqueuing = queue.enqueueMany(slow(), 'early')
      // One full chunk (4) and one item more were read: both arrive before the source goes on.
      const early = await Promise.all(pool.slice(0, 5).map((s) => s.next({ timeoutMs: 5000 })))
      expect(early.map((p) => p.text)).toEqual(Array(5).fill('early'))
      release()
      const id = await within(enqueuing, 5000, 'enqueueMany')
      expect((await collect(queue.results(id))).map((r) => r.outcome)).toEqual(Array(6).fill('created'))
      expect((await pool[5]?.next({ timeoutMs: 5000 }))?.text).toBe('early')
    } finally {
      release()
      await enqueuing?.catch(() => {})
      await worker.close()
    }
  })

  it('a batch still being enqueued expires unless its enqueuer goes on; sealed, it waits for its workers', async () => {
    const { world, queue, keys } = suite
    const pool = await subscribers(world.service, keys.publicKey, 3)
    let release: () => void = () => {}
    const stalled = new Promise<void>((resolve) => {
      release = resolve
    })
    async function* slow(): AsyncGenerator<unknown> {
      yield pool[0]?.subscription
      yield { endpoint: 'not a url' } // its result is written while the source waits
      await stalled
      yield pool[1]?.subscription
    }
    const before = new Set(await scanKeys(world.admin, 'wpq:input:*:meta'))
    const enqueuing = queue.enqueueMany(slow(), 'later')
    try {
      let meta: string | undefined
      for (let i = 0; i < 100 && meta === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        meta = (await scanKeys(world.admin, 'wpq:input:*:meta')).find((k) => !before.has(k))
      }
      expect(meta).toBeDefined()
      // The slow source's flush has written the bad item's result: every key of the batch expires.
      await within(
        (async () => {
          while ((await world.admin.exists((meta as string).replace(/:meta$/, ':results'))) === 0)
            await new Promise((resolve) => setTimeout(resolve, 20))
        })(),
        5000,
        'the first flush',
      )
      for (const key of ['meta', 'results', 'stream']) {
        const ttl = await world.admin.pttl((meta as string).replace(/:meta$/, `:${key}`))
        expect(ttl).toBeGreaterThan(600_000_000)
        expect(ttl).toBeLessThanOrEqual(604_800_000)
      }
      release()
      const id = await within(enqueuing, 5000, 'enqueueMany')
      expect(meta).toContain(id)
      // Sealed and not finished (no worker runs): nothing expires while it waits.
      for (const key of ['meta', 'results', 'stream'])
        expect(await world.admin.ttl((meta as string).replace(/:meta$/, `:${key}`))).toBe(-1)
    } finally {
      release()
      await enqueuing.catch(() => {})
    }
  })

  it('a source that throws midway: enqueueMany rejects with its error, carrying the batch id; what was read is sent', async () => {
    const { world, queue, keys } = suite
    const pool = await subscribers(world.service, keys.publicKey, 7)
    const broken = new Error('the source broke')
    async function* source(): AsyncGenerator<unknown> {
      for (const s of pool) yield s.subscription
      throw broken
    }
    const failure = await queue.enqueueMany(source(), 'partial').then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(failure).toBe(broken)
    const id = (failure as { batchId?: unknown }).batchId
    expect(typeof id).toBe('string')
    await suite.withWorker({}, async () => {
      const results = await collect(queue.results(id as string))
      expect(results.map((r) => r.outcome)).toEqual(Array(7).fill('created'))
      expect(await queue.batch(id as string)).toEqual({
        total: 7,
        completed: 7,
        byOutcome: { created: 7 },
        finished: true,
      })
      for (const s of pool) expect((await s.next({ timeoutMs: 5000 })).text).toBe('partial')
    })
  })
})
