/** A long-lived queue keeps nothing per subscription once a batch is enqueued. */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { expect, it } from 'vitest'
import { subscribers, useQueue } from './queue-fixtures.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const suite = await useQueue({ name: 'memory', chunkSize: 1000 })

it('enqueueMany of 100,000 from an async source leaves the open queue no bigger', async () => {
  const { world, queue, keys } = suite
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
