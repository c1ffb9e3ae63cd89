/**
 * A virtual user agent: a test subscriber that receives a channel's messages, decrypts them with its
 * own keys, and hands them to `next()`.
 */
import { base64urlEncode, decryptWebPush, WebPushError } from '@wp/ece'
import { toOptions } from '@wp/ece/utils'
import type { ReceivedPush, TestSubscriber } from '../types.js'
import { timeoutOf } from './options.js'
import type { Channel, Message, Receiver, Store } from './store.js'

/** A {@link TestSubscriber}, and the {@link Receiver} of its channel. */
export class Subscriber implements TestSubscriber, Receiver {
  readonly subscription: TestSubscriber['subscription']
  readonly keys: TestSubscriber['keys']
  readonly #store: Store
  readonly #channel: Channel
  #online = true
  /** Decrypted (or failed) messages not yet taken by `next()`. */
  #arrived: Promise<ReceivedPush>[] = []
  /** `next()` calls waiting for a message. */
  #waiting: ((value: Promise<ReceivedPush>) => void)[] = []

  constructor(store: Store, channel: Channel, endpoint: string, keys: TestSubscriber['keys']) {
    this.#store = store
    this.#channel = channel
    this.keys = keys
    this.subscription = {
      endpoint,
      expirationTime: null,
      keys: { p256dh: base64urlEncode(keys.publicKey), auth: base64urlEncode(keys.auth) },
    }
  }

  get online(): boolean {
    return this.#online
  }

  get pending(): number {
    return this.#arrived.length
  }

  get held(): number {
    return this.#arrived.length
  }

  /** Takes a message: decrypts it and hands it to `next()`. Nothing to acknowledge. */
  deliver(message: Message): boolean {
    const received = this.#decrypt(message)
    received.catch(() => {}) // observed through next()
    const waiter = this.#waiting.shift()
    if (waiter) waiter(received)
    else this.#arrived.push(received)
    return false
  }

  async #decrypt(message: Message): Promise<ReceivedPush> {
    const payload =
      message.body === undefined
        ? new Uint8Array(0)
        : await decryptWebPush(message.body, this.keys, {
            encoding: message.encoding ?? 'aes128gcm',
            headers: message.headers,
          })
    return {
      payload,
      text: new TextDecoder().decode(payload),
      headers: message.headers,
      encoding: message.encoding,
      claims: message.claims,
      id: message.id,
    }
  }

  next(options?: { timeoutMs?: number }): Promise<ReceivedPush> {
    let timeoutMs: number
    try {
      timeoutMs = timeoutOf(toOptions<{ timeoutMs: number }>(options, 'options'))
    } catch (error) {
      return Promise.reject(error)
    }
    const ready = this.#arrived.shift()
    if (ready) return ready
    return new Promise<ReceivedPush>((resolve, reject) => {
      const waiter = (value: Promise<ReceivedPush>) => {
        clearTimeout(timer)
        value.then(resolve, reject)
      }
      const timer = setTimeout(() => {
        this.#waiting = this.#waiting.filter((w) => w !== waiter)
        reject(new WebPushError('ERR_WP_TIMEOUT', `no push message arrived within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiting.push(waiter)
    })
  }

  disconnect(): void {
    this.#online = false
  }

  connect(): void {
    this.#online = true
    this.#store.flush(this.#channel)
  }

  async unsubscribe(): Promise<void> {
    this.#store.retire(this.#channel)
  }
}
