/** A long-lived queue keeps nothing per subscription once a batch is enqueued. */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { generateVapidKeys } from '@wp/webpush'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createPushQueue, type PushQueue } from '../src/index.js'
import { startWorld, subscribers, type World } from './queue-fixtures.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

let world: World
let queue: PushQueue

beforeAll(async () => {
  world = await startWorld()
  queue = createPushQueue({ connection: world.redis.url, name: 'memory', chunkSize: 1000 })
})
afterAll(async () => {
  await queue?.close()
  await world?.close()
})

it('enqueueMany of 100,000 from an async source leaves the open queue no bigger', async () => {
  const keys = await generateVapidKeys()
  const [model] = await subscribers(world.service, keys.publicKey, 1)
  async function* source(n: number): AsyncGenerator<unknown> {
    for (let i = 0; i < n; i++) yield model?.subscription
  }
  await queue.enqueueMany(source(1000)) // warm: connections, scripts, code
  gc()
  const before = process.memoryUsage().heapUsed
  await queue.enqueueMany(source(100_000))
  gc()
  const grown = process.memoryUsage().heapUsed - before
  // Anything kept per item (a callback per read on a promise that lives as long as the queue)
  // would be tens of MB here.
  expect(grown).toBeLessThan(10_000_000)
})
