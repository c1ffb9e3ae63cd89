/**
 * The shape of the module behind the `#encrypt-pool` import map, declared once. The map picks
 * `encrypt-pool.node` where `node:worker_threads` exists (Node, Bun), `encrypt-pool.deno` in Deno (the
 * same pool, once read permission for the worker's module is known) and `encrypt-pool.default`
 * everywhere else, so a browser bundle never sees a Node module.
 */
import type { ContentEncoding } from '@wp/ece'

/** One message to encrypt: its plaintext and the receiver's checked keys. */
export interface EncryptJob {
  payload: Uint8Array
  p256dh: Uint8Array
  auth: Uint8Array
  encoding: ContentEncoding
}

/** What a message's encryption gives the request: the body and the headers it needs (`aesgcm`). */
export interface EncryptedBody {
  body: Uint8Array
  headers: { Encryption?: string; 'Crypto-Key'?: string }
}

/** Encrypts on worker threads, and on the calling thread while they are all busy. */
export interface EncryptPool {
  /** The number of worker threads (0 once closed, or when every worker has died). */
  readonly size: number
  /** Messages encrypted so far on the workers and on the calling thread. */
  readonly counts: { readonly workers: number; readonly here: number }
  /** Encrypts one message with a fresh ephemeral key and salt (RFC 8291), wherever there is room first. */
  encrypt(job: EncryptJob): Promise<EncryptedBody>
  /** Stops the workers; messages they held are encrypted on the calling thread. Settles once they have exited. */
  close(): Promise<void>
}

/** The module behind `#encrypt-pool`. */
export interface EncryptPoolModule {
  /** What `workers: 'auto'` means here: the cores beside the calling thread's (0 without worker threads). */
  autoWorkers(): number
  /**
   * A pool of `size` workers, started on its first message.
   * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` where there are no worker threads
   */
  createEncryptPool(size: number): EncryptPool
}
