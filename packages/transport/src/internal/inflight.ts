/**
 * The sends of one transport, from `send()` to `close()`, the same for every transport: a send after
 * `close()` is refused, a request is checked before any I/O, and `close()` stops the retries (a send
 * waiting to retry rejects at once with its last answer or error) and settles once every send has.
 */
import { type CheckedRequest, checkRequest } from '../request.js'
import type { PushRequest, PushResponse, SendOptions } from '../types.js'
import { closedError } from './errors.js'
import type { PrivateNetworkPolicy } from './private-network.js'
import { type Attempt, type Policy, type RetryStop, sendWithRetries } from './send.js'

/** What a transport's `send` and `close` delegate to; it is also what stops the retries of its sends. */
export class InFlight implements RetryStop {
  readonly #attempt: Attempt
  readonly #policy: Policy
  readonly #allowPrivateNetwork: PrivateNetworkPolicy
  readonly #sends = new Set<Promise<unknown>>()
  /** The sends waiting to retry, each woken (to give up) when the transport closes. */
  readonly #waiting = new Set<() => void>()
  #stopped = false

  constructor(attempt: Attempt, policy: Policy, allowPrivateNetwork: PrivateNetworkPolicy) {
    this.#attempt = attempt
    this.#policy = policy
    this.#allowPrivateNetwork = allowPrivateNetwork
  }

  /** True once `close()` has started. */
  get stopped(): boolean {
    return this.#stopped
  }

  onStop(wake: () => void): () => void {
    this.#waiting.add(wake)
    return () => {
      this.#waiting.delete(wake)
    }
  }

  /**
   * Checks `request` and sends it with retries; refusals (`ERR_WP_INVALID_ARGUMENT`,
   * `ERR_WP_ENDPOINT_FORBIDDEN`, `ERR_WP_CLOSED` after `close()`) come as rejections, never as throws.
   */
  send(request: PushRequest, options: SendOptions | undefined): Promise<PushResponse> {
    if (this.#stopped) return Promise.reject(closedError())
    let checked: CheckedRequest
    try {
      checked = checkRequest(request, this.#allowPrivateNetwork)
    } catch (error) {
      return Promise.reject(error)
    }
    const promise = sendWithRetries(this.#attempt, checked, this.#policy, options?.signal, this)
    this.#sends.add(promise)
    const done = () => this.#sends.delete(promise)
    promise.then(done, done)
    return promise
  }

  /** Stops taking sends and retrying; settles once every send has settled. */
  async close(): Promise<void> {
    this.#stopped = true
    for (const wake of this.#waiting) wake()
    this.#waiting.clear()
    while (this.#sends.size > 0) await Promise.allSettled([...this.#sends])
  }
}
