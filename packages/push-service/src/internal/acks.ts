/**
 * Firefox's answers to the notifications it got (`ack` 100 delivered, 101 decryption failed, 102 not
 * delivered; `nack` 301-303): the newest `maxAcks` of the last `ackRetentionMs`, and the tests
 * waiting for one.
 */
import { describeValue, toOptions, WebPushError } from '@wp/ece/utils'
import type { AckRecord } from '../types.js'
import type { Limits } from './limits.js'
import { timeoutOf } from './options.js'

/** The acks and nacks kept, and the waiters for them. */
export class AckLog {
  /** Oldest first; changed in place, so a reader's reference stays current. */
  readonly records: AckRecord[] = []
  /** When each of `records` was recorded. */
  readonly #times: number[] = []
  readonly #waiters = new Map<string, ((record: AckRecord) => void)[]>()
  readonly #limits: Limits

  constructor(limits: Limits) {
    this.#limits = limits
  }

  /** Keeps an ack or nack (dropping the oldest past `maxAcks`) and wakes whoever waits for it. */
  record(record: AckRecord): void {
    this.records.push(record)
    this.#times.push(Date.now())
    this.#drop(this.records.length - this.#limits.maxAcks)
    const key = `${record.type}:${record.id}`
    const waiters = this.#waiters.get(key)
    if (waiters) {
      this.#waiters.delete(key)
      for (const waiter of waiters) waiter(record)
    }
  }

  /**
   * The ack (or nack) of message `id`: one already kept, or the next to come.
   * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` (as a rejection) for an id that is not a string or
   *   options of the wrong type; `ERR_WP_TIMEOUT` when none comes within `timeoutMs` (default 10000)
   */
  waitFor(id: string, options?: { timeoutMs?: number; type?: 'ack' | 'nack' }): Promise<AckRecord> {
    let type: 'ack' | 'nack'
    let timeoutMs: number
    try {
      if (typeof id !== 'string')
        throw new WebPushError(
          'ERR_WP_INVALID_ARGUMENT',
          `id must be a message id (a string), got ${describeValue(id)}`,
        )
      const given = toOptions<{ timeoutMs: number; type: string }>(options, 'options')
      if (given.type !== undefined && given.type !== 'ack' && given.type !== 'nack')
        throw new WebPushError(
          'ERR_WP_INVALID_ARGUMENT',
          `options.type must be 'ack' or 'nack', got ${describeValue(given.type)}`,
        )
      type = given.type ?? 'ack'
      timeoutMs = timeoutOf(given)
    } catch (error) {
      return Promise.reject(error)
    }
    const found = this.records.find((a) => a.id === id && a.type === type)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const key = `${type}:${id}`
      const waiter = (record: AckRecord) => {
        clearTimeout(timer)
        resolve(record)
      }
      const timer = setTimeout(() => {
        const left = (this.#waiters.get(key) ?? []).filter((w) => w !== waiter)
        if (left.length > 0) this.#waiters.set(key, left)
        else this.#waiters.delete(key)
        reject(new WebPushError('ERR_WP_TIMEOUT', `no ${type} for message ${id} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiters.set(key, [...(this.#waiters.get(key) ?? []), waiter])
    })
  }

  /** Forgets the acks older than `ackRetentionMs`. */
  sweep(now: number): void {
    // Acks are recorded in time order: the old ones come first.
    let old = 0
    while (old < this.#times.length && (this.#times[old] as number) < now - this.#limits.ackRetentionMs) old++
    this.#drop(old)
  }

  /** Drops the `count` oldest. */
  #drop(count: number): void {
    if (count <= 0) return
    this.records.splice(0, count)
    this.#times.splice(0, count)
  }
}
