/**
 * `allowPrivateNetwork` as a list of origins: those alone may be on a private address (and `http:`);
 * every other endpoint is still guarded, in both transports.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createFetchTransport, createTransport, type TransportOptions } from '../src/index.node.js'
import type { Lookup } from '../src/node/connect.js'
import { rejection, startServer, type TestServer, transports } from './servers.js'

let listed: TestServer
let other: TestServer

beforeAll(async () => {
  listed = await startServer('http')
  other = await startServer('http')
})
afterAll(async () => {
  await Promise.all([listed.close(), other.close()])
})

/** Resolves every name to 127.0.0.1, as a hosts file or a hostile DNS answer would. */
const toLoopback: Lookup = (_hostname, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }])

const kinds: [string, (options: TransportOptions) => ReturnType<typeof createTransport>][] = [
  ['node', createTransport],
  ['fetch', createFetchTransport],
]

describe.each(kinds)('%s transport', (_kind, factory) => {
  const made = transports({ retry: false, timeoutMs: 5000 }, factory)
  afterEach(async () => {
    listed.reset()
    other.reset()
    await made.closeAll()
  })

  it('a listed origin on 127.0.0.1 gets through', async () => {
    const transport = made.make({ allowPrivateNetwork: [listed.origin] })
    const response = await transport.send({ endpoint: `${listed.origin}/push/1`, headers: { TTL: '0' } })
    expect(response.status).toBeLessThan(300)
    expect(listed.requests).toHaveLength(1)
  })

  const refused: [string, () => string][] = [
    ['another port on 127.0.0.1', () => `${other.origin}/push/1`],
    ['another loopback address', () => `http://127.0.0.2:${listed.port}/push/1`],
    ['localhost on the listed port', () => `http://localhost:${listed.port}/push/1`],
    ['https: on the listed host and port', () => `https://127.0.0.1:${listed.port}/push/1`],
  ]
  it.each(refused)('%s is refused', async (_name, endpoint) => {
    const transport = made.make({ allowPrivateNetwork: [listed.origin] })
    const error = await rejection(transport.send({ endpoint: endpoint(), headers: { TTL: '0' } }))
    expect(error.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
    expect(listed.requests).toHaveLength(0)
    expect(other.requests).toHaveLength(0)
  })

  it.each([
    [['nope']],
    [['http://127.0.0.1:1/path']],
    [['ftp://127.0.0.1:1']],
    [['http://user:pw@127.0.0.1:1']],
    ['http://127.0.0.1:1'],
    [[1]],
  ])('allowPrivateNetwork %j is refused', (value) => {
    expect(() => factory({ allowPrivateNetwork: value as never })).toThrow(
      expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT' }),
    )
  })
})

describe('node transport: names', () => {
  const made = transports({ retry: false, timeoutMs: 5000 })
  afterEach(async () => {
    listed.reset()
    await made.closeAll()
  })

  it('a name resolving to 127.0.0.1 is refused, though its address and port are listed', async () => {
    const transport = made.make({ allowPrivateNetwork: [listed.origin], lookup: toLoopback })
    const error = await rejection(
      transport.send({ endpoint: `http://push.example.com:${listed.port}/push/1`, headers: { TTL: '0' } }),
    )
    expect(error.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
    expect(listed.requests).toHaveLength(0)
  })

  it('a listed name that resolves to 127.0.0.1 gets through', async () => {
    const origin = `http://push.example.com:${listed.port}`
    const transport = made.make({ allowPrivateNetwork: [origin], lookup: toLoopback })
    const response = await transport.send({ endpoint: `${origin}/push/1`, headers: { TTL: '0' } })
    expect(response.status).toBeLessThan(300)
    expect(listed.requests).toHaveLength(1)
  })
})
