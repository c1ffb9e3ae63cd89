/**
 * Writes results to Redis in small groups: one script call for up to 100 results of a batch, so a
 * worker sending thousands a second makes tens of round trips, not thousands. A result counts as
 * recorded only when its group's call has returned; a call that fails (Redis away) is tried again
 * until it succeeds or the recorder is stopped.
 */
import { randomUUID } from 'node:crypto'
import type { BatchKeys } from './keys.js'
import type { ScriptedRedis } from './scripts.js'

const GROUP = 100

interface Group {
  keys: BatchKeys
  args: (string | number)[]
  waiters: { resolve: (first: boolean) => void; reject: (error: Error) => void }[]
}

export class Recorder {
  readonly #redis: ScriptedRedis
  readonly #groups = new Map<string, Group>()
  #scheduled = false
  #writing = new Set<Promise<void>>()
  #stopped = false

  constructor(redis: ScriptedRedis) {
    this.#redis = redis
  }

  /**
   * Records `index`'s result unless it has one.
   * @returns true when this was its first result (false: it had one, or the batch is gone)
   * @throws Error when the recorder was stopped before the result could be written
   */
  record(keys: BatchKeys, index: number, stored: string, outcome: string): Promise<boolean> {
    let group = this.#groups.get(keys.meta)
    if (group === undefined) {
      group = { keys, args: [], waiters: [] }
      this.#groups.set(keys.meta, group)
    }
    group.args.push(index, stored, outcome)
    const written = new Promise<boolean>((resolve, reject) => group.waiters.push({ resolve, reject }))
    if (group.waiters.length >= GROUP) this.#write(keys.meta)
    else if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => {
        this.#scheduled = false
        for (const meta of [...this.#groups.keys()]) this.#write(meta)
      })
    }
    return written
  }

  /** Waits for every write started so far. */
  async idle(): Promise<void> {
    while (this.#writing.size > 0) await Promise.all(this.#writing)
  }

  /** Gives up on writes that cannot reach Redis: they reject (their results are not recorded; the chunk runs again). */
  stop(): void {
    this.#stopped = true
  }

  #write(meta: string): void {
    const group = this.#groups.get(meta)
    if (group === undefined) return
    this.#groups.delete(meta)
    const writing = this.#send(group).finally(() => this.#writing.delete(writing))
    this.#writing.add(writing)
  }

  async #send(group: Group): Promise<void> {
    const { keys, args, waiters } = group
    // One token for this write and every retry of it: a resent write gets the first one's reply.
    const receipt = keys.receipt(randomUUID())
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        const reply = await this.#redis.wpRecord(keys.meta, keys.results, keys.stream, receipt, Date.now(), ...args)
        for (const [i, waiter] of waiters.entries()) waiter.resolve(Array.isArray(reply) && reply[i] === 1)
        return
      } catch {
        if (this.#stopped) {
          for (const waiter of waiters) waiter.reject(new Error('the result could not be recorded: Redis is away'))
          return
        }
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }
}
