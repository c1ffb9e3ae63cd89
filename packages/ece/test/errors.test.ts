/**
 * The error model: one `WebPushError` with a stable code, recognised by `WebPushError.is` and by
 * `instanceof` across copies of the module (two installed versions, a bundle beside node_modules),
 * with subclasses that narrow the code and may carry their own brand.
 */
import { describe, expect, it } from 'vitest'
import * as here from '../src/errors.js'

type ErrorsModule = typeof here

/** A second, separate instance of `src/errors.ts`: the query string makes it another module. */
let copies = 0
async function secondCopy(): Promise<ErrorsModule> {
  const specifier = `../src/errors.ts?copy=${++copies}`
  const copy = (await import(/* @vite-ignore */ specifier)) as ErrorsModule
  expect(copy.WebPushError).not.toBe(here.WebPushError)
  return copy
}

/** The subclasses a package above might write: one with its own brand, one without. */
function subclassesOf({ WebPushError }: ErrorsModule) {
  class Gone extends WebPushError<'ERR_WP_SUBSCRIPTION_GONE'> {
    static override readonly brand: symbol = Symbol.for('@wp/test/Gone')
    override name = 'Gone'
    readonly statusCode: number = 410
    constructor() {
      super('ERR_WP_SUBSCRIPTION_GONE', 'gone')
    }
  }
  class Unbranded extends WebPushError<'ERR_WP_TIMEOUT'> {
    constructor() {
      super('ERR_WP_TIMEOUT', 'late')
    }
  }
  return { Gone, Unbranded }
}

describe('WebPushError', () => {
  it('keeps code, message, name and cause, and nothing of the brand shows', () => {
    const cause = new Error('inner')
    const err = new here.WebPushError('ERR_WP_ECE_DECRYPT', 'decryption failed', { cause })
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ code: 'ERR_WP_ECE_DECRYPT', message: 'decryption failed', name: 'WebPushError' })
    expect(err.cause).toBe(cause)
    expect('cause' in new here.WebPushError('ERR_WP_ECE_DECRYPT', 'x')).toBe(false)
    expect(Object.getOwnPropertySymbols(err).every((s) => !Object.getOwnPropertyDescriptor(err, s)?.enumerable)).toBe(
      true,
    )
    expect(JSON.stringify(err)).not.toContain('@wp')
  })

  it('instanceof and is() recognise an error of another copy of the module, both ways', async () => {
    const copy = await secondCopy()
    const mine = new here.WebPushError('ERR_WP_KEY_LENGTH', 'auth must be 16 bytes, got 12')
    const theirs = new copy.WebPushError('ERR_WP_KEY_LENGTH', 'auth must be 16 bytes, got 12')
    for (const [err, Other] of [
      [mine, copy.WebPushError],
      [theirs, here.WebPushError],
    ] as const) {
      expect(err instanceof Other).toBe(true)
      expect(Other.is(err)).toBe(true)
    }
    // Not the same class, so the prototype chain alone would have said no.
    expect(Object.getPrototypeOf(theirs)).not.toBe(here.WebPushError.prototype)
  })

  it('refuses what is not one, in either copy', async () => {
    const copy = await secondCopy()
    for (const WebPushError of [here.WebPushError, copy.WebPushError])
      for (const value of [
        new Error('x'),
        Object.assign(new Error('x'), { code: 'ERR_WP_KEY_LENGTH' }),
        { code: 'ERR_WP_KEY_LENGTH', message: 'x' },
        null,
        undefined,
        'ERR_WP_KEY_LENGTH',
        42,
      ]) {
        expect(value instanceof WebPushError).toBe(false)
        expect(WebPushError.is(value)).toBe(false)
      }
  })

  it('a subclass with its own brand checks that brand, across copies; the base checks the base brand', async () => {
    const copy = await secondCopy()
    const a = subclassesOf(here)
    const b = subclassesOf(copy)
    const goneA = new a.Gone()
    const goneB = new b.Gone()
    // Each copy's Gone recognises the other's, and both are WebPushErrors of both copies.
    expect(goneA instanceof b.Gone).toBe(true)
    expect(goneB instanceof a.Gone).toBe(true)
    for (const gone of [goneA, goneB]) {
      expect(gone instanceof here.WebPushError).toBe(true)
      expect(gone instanceof copy.WebPushError).toBe(true)
      expect(here.WebPushError.is(gone)).toBe(true)
      expect(copy.WebPushError.is(gone)).toBe(true)
      expect(gone).toMatchObject({ code: 'ERR_WP_SUBSCRIPTION_GONE', name: 'Gone', statusCode: 410 })
    }
    // A plain WebPushError, or another subclass, is not a Gone.
    expect(new here.WebPushError('ERR_WP_SUBSCRIPTION_GONE', 'gone') instanceof a.Gone).toBe(false)
    expect(new copy.WebPushError('ERR_WP_SUBSCRIPTION_GONE', 'gone') instanceof a.Gone).toBe(false)
    expect(new a.Unbranded() instanceof a.Gone).toBe(false)
  })

  it('a subclass without a brand of its own is matched by its prototype chain, and is still a WebPushError everywhere', async () => {
    const copy = await secondCopy()
    const a = subclassesOf(here)
    const b = subclassesOf(copy)
    const late = new a.Unbranded()
    expect(late instanceof a.Unbranded).toBe(true)
    // It does not inherit the base's brand check: a plain WebPushError is not an Unbranded.
    expect(new here.WebPushError('ERR_WP_TIMEOUT', 'late') instanceof a.Unbranded).toBe(false)
    expect(new a.Gone() instanceof a.Unbranded).toBe(false)
    // Another copy's class of the same name is another class.
    expect(late instanceof b.Unbranded).toBe(false)
    expect(late instanceof copy.WebPushError).toBe(true)
    expect(copy.WebPushError.is(late)).toBe(true)
  })

  it('is() works detached from its class', () => {
    const is = here.WebPushError.is
    const errors = [new here.WebPushError('ERR_WP_CLOSED', 'closed'), new Error('x')]
    expect(errors.filter(is)).toHaveLength(1)
    expect(is(errors[0])).toBe(true)
  })
})
