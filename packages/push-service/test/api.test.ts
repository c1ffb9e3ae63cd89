/**
 * The public surface: what the package exports (nothing of `src/internal/`), and every public
 * function's answer to arguments of the wrong type or range: a `WebPushError` with its code, never
 * a TypeError or RangeError from inside.
 */
import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as api from '../src/index.js'
import { type PushService, startPushService, type TestSubscriber, WebPushError } from '../src/index.js'

let service: PushService
let subscriber: TestSubscriber

beforeAll(async () => {
  service = await startPushService()
  subscriber = await service.subscribe()
})
afterAll(() => service.close())

/** The rejection of `run()`, or what it throws (undefined if it succeeds). */
async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  return undefined
}

describe('exports', () => {
  it('are the documented ones', () => {
    expect(Object.keys(api).sort()).toEqual(['WebPushError', 'selfSignedCertificate', 'startPushService'])
  })

  it('a running service has the members of PushService and no others', () => {
    const members = new Set<string>()
    for (let o: object | null = service; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o))
      for (const name of Object.getOwnPropertyNames(o)) if (name !== 'constructor') members.add(name)
    expect([...members].sort()).toEqual(
      [
        'acks',
        'certificate',
        'close',
        'firefoxPrefs',
        'setFaults',
        'stats',
        'subscribe',
        'url',
        'waitForAck',
        'webSocketUrl',
      ].sort(),
    )
  })
})

describe('bad arguments are refused with ERR_WP_INVALID_ARGUMENT', () => {
  const cases: { name: string; run: () => unknown; message: RegExp }[] = [
    {
      name: 'startPushService(null)',
      run: () => startPushService(null as never),
      message: /^options must be an object/,
    },
    {
      name: 'startPushService(8090)',
      run: () => startPushService(8090 as never),
      message: /^options must be an object/,
    },
    { name: 'an empty host', run: () => startPushService({ host: '' }), message: /^options\.host must be/ },
    {
      name: 'a host that is a number',
      run: () => startPushService({ host: 1 as never }),
      message: /^options\.host must be/,
    },
    { name: 'a port past 65535', run: () => startPushService({ port: 70_000 }), message: /^options\.port must be/ },
    {
      name: 'a port that is a string',
      run: () => startPushService({ port: '80' as never }),
      message: /^options\.port must be/,
    },
    { name: 'a fractional port', run: () => startPushService({ port: 1.5 }), message: /^options\.port must be/ },
    {
      name: 'strict as a string',
      run: () => startPushService({ strict: 'no' as never }),
      message: /^options\.strict must be/,
    },
    { name: 'tls as a number', run: () => startPushService({ tls: 1 as never }), message: /^options\.tls must be/ },
    {
      name: 'a negative maxTtlSeconds',
      run: () => startPushService({ maxTtlSeconds: -1 }),
      message: /^options\.maxTtlSeconds must be/,
    },
    { name: 'subscribe(null)', run: () => service.subscribe(null as never), message: /^options must be an object/ },
    {
      name: 'an applicationServerKey of 3 bytes',
      run: () => service.subscribe({ applicationServerKey: 'AAAA' }),
      message: /^applicationServerKey must be/,
    },
    { name: 'next(null)', run: () => subscriber.next(null as never), message: /^options must be an object/ },
    {
      name: 'a negative timeoutMs',
      run: () => subscriber.next({ timeoutMs: -1 }),
      message: /^options\.timeoutMs must be/,
    },
    {
      name: 'a timeoutMs past what a timer takes',
      run: () => subscriber.next({ timeoutMs: 2 ** 31 }),
      message: /^options\.timeoutMs must be/,
    },
    { name: 'waitForAck of a number', run: () => service.waitForAck(5 as never), message: /^id must be/ },
    {
      name: 'waitForAck of another type',
      run: () => service.waitForAck('x', { type: 'receipt' as never }),
      message: /^options\.type must be/,
    },
    {
      name: 'waitForAck with a timeoutMs that is a string',
      run: () => service.waitForAck('x', { timeoutMs: '5' as never }),
      message: /^options\.timeoutMs must be/,
    },
    {
      name: 'selfSignedCertificate of a string',
      run: () => api.selfSignedCertificate('localhost' as never),
      message: /^hosts must be an array of strings/,
    },
    {
      name: 'selfSignedCertificate of a list with a number',
      run: () => api.selfSignedCertificate(['localhost', 5 as never]),
      message: /^hosts must be an array of strings/,
    },
  ]

  for (const c of cases)
    it(c.name, async () => {
      const error = await failure(c.run)
      expect(WebPushError.is(error) && error.code).toBe('ERR_WP_INVALID_ARGUMENT')
      expect((error as Error).message).toMatch(c.message)
    })
})

describe('a port that is taken', () => {
  let taken: Server
  beforeAll(async () => {
    taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  })
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())))

  it('makes startPushService reject with ERR_WP_NETWORK, naming the address and the system code', async () => {
    const port = (taken.address() as { port: number }).port
    const error = await failure(() => startPushService({ port }))
    expect(WebPushError.is(error) && error.code).toBe('ERR_WP_NETWORK')
    expect((error as Error).message).toBe(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`)
    expect(((error as Error).cause as { code?: string }).code).toBe('EADDRINUSE')
  })
})
