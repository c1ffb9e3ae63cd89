/**
 * The error classes: `PushServiceError` and `NetworkError` are `WebPushError`s narrowed to their
 * codes, each with its own `Symbol.for` brand, so `instanceof` recognises one made by another copy
 * of the package; `AnyWebPushError` is a union that a `switch (err.code)` narrows. The type-level
 * checks (`expectTypeOf`, `@ts-expect-error`) are run by the typecheck (`tsc -p tsconfig.json`).
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import * as here from '../src/errors.js'
import {
  type AnyWebPushError,
  NetworkError,
  type PushResponse,
  PushServiceError,
  WebPushError,
  type WebPushErrorCode,
} from '../src/index.node.js'

type ErrorsModule = typeof here

/** A second, separate instance of `src/errors.ts`: the query string makes it another module. */
let copies = 0
async function secondCopy(): Promise<ErrorsModule> {
  const specifier = `../src/errors.ts?copy=${++copies}`
  const copy = (await import(/* @vite-ignore */ specifier)) as ErrorsModule
  expect(copy.PushServiceError).not.toBe(here.PushServiceError)
  return copy
}

const endpoint = 'https://push.example/wpush/v2/secret-path'
const answer = (status: number, outcome: PushResponse['outcome']): PushResponse => ({
  status,
  headers: {},
  body: '',
  outcome,
})

describe('PushServiceError and NetworkError', () => {
  it('are WebPushErrors with their codes, names and fields, and keep the path out of the message', () => {
    const gone = new PushServiceError(endpoint, answer(410, 'gone'))
    expect(gone).toMatchObject({ code: 'ERR_WP_SUBSCRIPTION_GONE', name: 'PushServiceError', statusCode: 410 })
    expect(new PushServiceError(endpoint, answer(503, 'server-error')).code).toBe('ERR_WP_PUSH_SERVICE')
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const network = new NetworkError(endpoint, { cause, notWritten: true })
    expect(network).toMatchObject({ code: 'ERR_WP_NETWORK', name: 'NetworkError', endpoint, notWritten: true })
    expect(network.cause).toBe(cause)
    expect(network.message).toBe('cannot reach https://push.example (ECONNREFUSED)')
    expect(new NetworkError(endpoint).notWritten).toBe(false)
    for (const error of [gone, network]) {
      expect(error).toBeInstanceOf(WebPushError)
      expect(WebPushError.is(error)).toBe(true)
      expect(error.message).not.toContain('secret-path')
    }
    expect(gone).not.toBeInstanceOf(NetworkError)
    expect(network).not.toBeInstanceOf(PushServiceError)
  })

  it('instanceof recognises an error of another copy of the package, both ways, by its own brand', async () => {
    const copy = await secondCopy()
    const pairs = [
      [new here.PushServiceError(endpoint, answer(429, 'rate-limited')), copy.PushServiceError],
      [new copy.PushServiceError(endpoint, answer(429, 'rate-limited')), here.PushServiceError],
      [new here.NetworkError(endpoint, { notWritten: true }), copy.NetworkError],
      [new copy.NetworkError(endpoint, { notWritten: true }), here.NetworkError],
    ] as const
    for (const [error, Other] of pairs) {
      expect(error instanceof Other).toBe(true)
      // Not the same class, so the prototype chain alone would have said no.
      expect(Object.getPrototypeOf(error)).not.toBe(Other.prototype)
      expect(error instanceof WebPushError).toBe(true)
    }
    expect(new copy.NetworkError(endpoint) instanceof here.PushServiceError).toBe(false)
    expect(new copy.PushServiceError(endpoint, answer(410, 'gone')) instanceof here.NetworkError).toBe(false)
  })

  it('a WebPushError with the same code is not one of them: the brand decides, not the code', () => {
    expect(new WebPushError('ERR_WP_PUSH_SERVICE', 'x')).not.toBeInstanceOf(PushServiceError)
    expect(new WebPushError('ERR_WP_NETWORK', 'x')).not.toBeInstanceOf(NetworkError)
    expect(Object.assign(new Error('x'), { code: 'ERR_WP_NETWORK', notWritten: true })).not.toBeInstanceOf(NetworkError)
  })

  it('the brands stay out of JSON', () => {
    const error = new NetworkError(endpoint, { notWritten: true })
    expect(JSON.stringify(error)).not.toContain('@wp')
    expect(
      Object.getOwnPropertySymbols(error).every((s) => !Object.getOwnPropertyDescriptor(error, s)?.enumerable),
    ).toBe(true)
  })
})

describe('AnyWebPushError', () => {
  /** What a caller's `switch` does with each kind; the `expectTypeOf` lines are the narrowing under test. */
  function handle(caught: unknown): string {
    if (!WebPushError.is(caught)) return 'not ours'
    const err = caught as AnyWebPushError
    switch (err.code) {
      case 'ERR_WP_SUBSCRIPTION_GONE':
        expectTypeOf(err).toEqualTypeOf<PushServiceError>()
        return `gone ${err.response.status}`
      case 'ERR_WP_PUSH_SERVICE':
        expectTypeOf(err).toEqualTypeOf<PushServiceError>()
        expectTypeOf(err.response).toEqualTypeOf<PushResponse>()
        return `service ${err.statusCode} retryable ${err.isRetryable}`
      case 'ERR_WP_NETWORK':
        expectTypeOf(err).toEqualTypeOf<NetworkError>()
        expectTypeOf(err.notWritten).toEqualTypeOf<boolean>()
        return `network ${err.notWritten}`
      case 'ERR_WP_TIMEOUT':
        expectTypeOf(err).toEqualTypeOf<WebPushError<'ERR_WP_TIMEOUT'>>()
        // @ts-expect-error a timeout carries no response
        void err.response
        return 'timeout'
      default:
        expectTypeOf(err.code).toEqualTypeOf<
          Exclude<
            WebPushErrorCode,
            'ERR_WP_SUBSCRIPTION_GONE' | 'ERR_WP_PUSH_SERVICE' | 'ERR_WP_NETWORK' | 'ERR_WP_TIMEOUT'
          >
        >()
        return err.code
    }
  }

  it('a switch on code narrows to the class that carries it', () => {
    expect(handle(new PushServiceError(endpoint, answer(404, 'gone')))).toBe('gone 404')
    expect(handle(new PushServiceError(endpoint, answer(503, 'server-error')))).toBe('service 503 retryable true')
    expect(handle(new NetworkError(endpoint, { notWritten: true }))).toBe('network true')
    expect(handle(new WebPushError('ERR_WP_TIMEOUT', 'late'))).toBe('timeout')
    expect(handle(new WebPushError('ERR_WP_CLOSED', 'closed'))).toBe('ERR_WP_CLOSED')
    expect(handle(new Error('other'))).toBe('not ours')
  })

  it('covers every code, and every member is a WebPushError', () => {
    expectTypeOf<AnyWebPushError['code']>().toEqualTypeOf<WebPushErrorCode>()
    expectTypeOf<AnyWebPushError>().toExtend<WebPushError>()
    expectTypeOf<PushServiceError['code']>().toEqualTypeOf<'ERR_WP_PUSH_SERVICE' | 'ERR_WP_SUBSCRIPTION_GONE'>()
    expectTypeOf<NetworkError['code']>().toEqualTypeOf<'ERR_WP_NETWORK'>()
    expectTypeOf<Extract<AnyWebPushError, { code: 'ERR_WP_CLOSED' }>>().toEqualTypeOf<WebPushError<'ERR_WP_CLOSED'>>()
  })
})
