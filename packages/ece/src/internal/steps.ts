/**
 * Crypto code written once for the asynchronous API and the synchronous one. A computation is a
 * generator that yields the result of each backend call (a promise from a {@link CryptoBackend}, the
 * value itself from a {@link SyncCryptoBackend}) and is resumed with its value: {@link runAsync}
 * awaits what is yielded, {@link runSync} hands it straight back. RFC 8188 and RFC 8291 have one
 * implementation (`derive.ts`, `records.ts`, `aesgcm.ts`) whichever way they run.
 */
import { type CryptoBackend, type SyncCryptoBackend, synchronousOf } from '../backend.js'

/** A backend of either kind: what the computations call. */
export type AnyBackend = CryptoBackend | SyncCryptoBackend

/** A computation that ends with a `T`. */
export type Steps<T> = Generator<unknown, T, unknown>

/**
 * One backend call inside a computation: `const prk = yield* call(backend.hmacSha256(salt, ikm))`.
 * What the call throws (or its promise rejects with) is thrown at this point of the computation.
 */
export function* call<T>(result: T | Promise<T>): Generator<unknown, T, unknown> {
  return (yield result) as T
}

/**
 * Several independent calls at once: a promise of every result when any result is a promise (so
 * WebCrypto's thread pool works on them together), the list itself when they are all values.
 */
export function all<T>(results: Array<T | Promise<T>>): T[] | Promise<T[]> {
  for (const result of results) if (result instanceof Promise) return Promise.all(results)
  return results as T[]
}

/** Runs a computation made with a synchronous backend: nothing it yields is a promise. */
export function runSync<T>(steps: Steps<T>): T {
  let step = steps.next()
  while (!step.done) step = steps.next(step.value)
  return step.value
}

/** Runs a computation made with an asynchronous backend, awaiting each call; a rejection is thrown into it. */
export async function runAsync<T>(steps: Steps<T>): Promise<T> {
  let step = steps.next()
  while (!step.done) {
    let value: unknown
    try {
      value = await step.value
    } catch (error) {
      step = steps.throw(error)
      continue
    }
    step = steps.next(value)
  }
  return step.value
}

/**
 * Runs a computation for the asynchronous API on `backend`: straight through on its synchronous form
 * when it has one (node:crypto and pure JS compute synchronously anyway, and a promise per call only
 * costs time), with an await per call on WebCrypto. The same bytes either way.
 */
export async function runOn<T>(backend: CryptoBackend, computation: (backend: AnyBackend) => Steps<T>): Promise<T> {
  const sync = synchronousOf(backend)
  return sync === undefined ? runAsync(computation(backend)) : runSync(computation(sync))
}
