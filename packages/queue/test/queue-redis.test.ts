/** What a batch leaves in Redis: a few keys per chunk, not per subscription, and never a private key. */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createPushQueue } from '../src/index.js'
import { collect, drain, dumpRedis, recordingTransport, scanKeys, subscribers, useQueue } from './queue-fixtures.js'

const suite = await useQueue({ name: 'chunks' })

describe('chunking', () => {
  it('a batch of 5,000 is a few dozen keys and chunk jobs of at most chunkSize subscriptions', async () => {
    const { world, queue } = suite
    const [model] = await subscribers(world.service, suite.keys.publicKey, 1)
    if (model === undefined) throw new Error('no subscriber')
    const before = (await scanKeys(world.admin)).length
    let whileQueued = -1
    async function* items(): AsyncGenerator<unknown> {
      for (let i = 0; i < 5000; i++) {
        if (i === 2500) whileQueued = (await scanKeys(world.admin)).length - before
        yield { ...model?.subscription, endpoint: `${world.service.url}/push/never-${i}` }
      }
    }
    await queue.enqueueMany(items(), 'hello')
    const keys = await scanKeys(world.admin)
    const made = keys.length - before
    expect(whileQueued).toBeGreaterThan(0)
    expect(whileQueued).toBeLessThanOrEqual(made)
    // 10 chunk jobs, BullMQ's few keys of the queue, the batch's hash: not one key per subscription.
    expect(made).toBeLessThan(40)
    const jobs: { items: [number, unknown][] }[] = []
    for (const key of keys) {
      if ((await world.admin.type(key)) !== 'hash') continue
      const data = await world.admin.hget(key, 'data')
      if (key.startsWith('bull:chunks:') && data !== null) jobs.push(JSON.parse(data))
    }
    // 10 full chunks; one more, partial, if the scan halfway kept the source waiting past 100 ms
    // (what was read then goes on the queue at once).
    expect(jobs.length).toBeGreaterThanOrEqual(10)
    expect(jobs.length).toBeLessThanOrEqual(11)
    for (const job of jobs) expect(job.items.length).toBeLessThanOrEqual(500)
    const indices = jobs.flatMap((job) => job.items.map(([index]) => index)).sort((a, b) => a - b)
    expect(indices).toEqual(Array.from({ length: 5000 }, (_, i) => i))
  })
})

describe('secrets', () => {
  it('no form of the private key is anywhere in Redis after a batch', async () => {
    const { world } = suite
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const jwk = createPrivateKey(pem).export({ format: 'jwk' })
    const scalar = Buffer.from(jwk.d as string, 'base64url')
    const publicKey = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x as string, 'base64url'),
      Buffer.from(jwk.y as string, 'base64url'),
    ]).toString('base64url')
    const pool = await subscribers(world.service, publicKey, 12)
    await pool[0]?.unsubscribe()
    // A refusal on the way, so a retried chunk's data is in Redis too.
    world.service.setFaults({ status: 503, retryAfterSeconds: 0, count: 2 })
    const { transport } = recordingTransport()
    const secretsQueue = createPushQueue({ connection: world.redis.url, name: 'secrets', chunkSize: 5 })
    const worker = await suite.startWorker({
      name: 'secrets',
      vapid: { privateKey: pem, subject: 'mailto:ops@example.com' },
      transport,
    })
    try {
      const items: unknown[] = [...pool.map((s) => s.subscription), { endpoint: 'nope' }]
      const id = await secretsQueue.enqueueMany(items, { title: 'secret-free' }, { ttl: 60 })
      const results = await collect(secretsQueue.results(id))
      expect(results).toHaveLength(13)
      expect(await secretsQueue.batch(id)).toMatchObject({
        finished: true,
        byOutcome: { created: 11, gone: 1, invalid: 1 },
      })
      const dump = await dumpRedis(world.admin)
      // The dump does read the values: the subscriptions are in it.
      expect(dump).toContain(pool[5]?.subscription.endpoint)
      const body = pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'))
      for (const secret of [
        scalar.toString('base64url'),
        scalar.toString('base64'),
        scalar.toString('hex'),
        scalar.toString('hex').toUpperCase(),
        body.join(''),
        ...body,
      ])
        expect(dump.includes(secret), `a form of the private key (${secret.length} characters) is in Redis`).toBe(false)
      const received = await Promise.all(pool.slice(1).map((s) => drain(s, 200)))
      expect(received).toEqual(pool.slice(1).map(() => ['{"title":"secret-free"}']))
    } finally {
      world.service.setFaults(undefined)
      await worker.close()
      await transport.close()
      await secretsQueue.close()
    }
  })
})
