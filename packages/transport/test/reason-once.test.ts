/**
 * The retry loop reads the service's reason once, from the answer it returns or throws, never from
 * the answers it retries: `parseReason` is counted through a module mock of `src/classify.ts`.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { createFetchTransport, createTransport, type PushServiceError } from '../src/index.node.js'
import {
  created,
  rejection,
  reply,
  sequence,
  serverLifecycle,
  startServer,
  type TestServer,
  transports,
} from './servers.js'

const counted = vi.hoisted(() => ({ parseReason: 0 }))

vi.mock('../src/classify.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/classify.js')>()
  return {
    ...actual,
    parseReason: (...args: Parameters<typeof actual.parseReason>) => {
      counted.parseReason++
      return actual.parseReason(...args)
    },
  }
})

const body = new Uint8Array([1, 2, 3])
const headers = { TTL: '60' }
const busy = reply(503, { 'content-type': 'application/json' }, '{"reason":"TooBusy"}')

describe.each([
  ['node transport', createTransport],
  ['fetch transport', createFetchTransport],
])('the reason of a failed answer, over the %s', (_, factory) => {
  let server: TestServer
  const { make, closeAll } = transports(
    { allowPrivateNetwork: true, timeoutMs: 2000, retry: { retries: 2, baseDelayMs: 10 } },
    factory,
  )
  beforeAll(async () => {
    server = await startServer('http')
  })
  serverLifecycle(
    () => server,
    async () => {
      await closeAll()
      counted.parseReason = 0
    },
  )

  it('is not read from the answers that are retried, nor from a success', async () => {
    server.handler = sequence(busy, busy, created)
    expect(await make().send({ endpoint: server.url(), headers, body })).toMatchObject({ status: 201, attempts: 3 })
    expect(counted.parseReason).toBe(0)
  })

  it('is read once, from the answer that is thrown', async () => {
    server.handler = busy
    const error = (await rejection(
      make().send({ endpoint: server.url(), headers, body }),
    )) as unknown as PushServiceError
    expect(error).toMatchObject({ statusCode: 503, reason: 'TooBusy' })
    expect(error.response).toMatchObject({ attempts: 3, reason: 'TooBusy' })
    expect(error.message).toContain('TooBusy')
    expect(server.requests).toHaveLength(3)
    expect(counted.parseReason).toBe(1)
  })
})
