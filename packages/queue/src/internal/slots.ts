/** A counting semaphore, first come first served, that can be stopped: then every waiter gets `null`. */
export class Slots {
  #free: number
  #waiting: ((release: (() => void) | null) => void)[] = []
  #stopped = false

  constructor(size: number) {
    this.#free = size
  }

  /** A slot's release function, or `null` once stopped (then nothing new may start). */
  acquire(): Promise<(() => void) | null> {
    if (this.#stopped) return Promise.resolve(null)
    if (this.#free > 0) {
      this.#free--
      return Promise.resolve(this.#release())
    }
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  /** Refuses every waiting and later `acquire`. */
  stop(): void {
    this.#stopped = true
    for (const resolve of this.#waiting.splice(0)) resolve(null)
  }

  #release(): () => void {
    let done = false
    return () => {
      if (done) return
      done = true
      const next = this.#waiting.shift()
      if (next !== undefined) next(this.#release())
      else this.#free++
    }
  }
}
