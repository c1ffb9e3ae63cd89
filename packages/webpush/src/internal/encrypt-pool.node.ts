/// <reference types="node" />
/**
 * Encryption on worker threads (`createPushClient({ workers })`), so a batch uses every core: RFC 8291
 * encryption (two ECDH operations, about 140 µs a message) is most of what a message costs, and the
 * calling thread has the connections to serve.
 *
 * A message goes to the worker holding the fewest, up to {@link HIGH_WATER} each; beyond that it
 * waits in one queue, which the workers drain as they answer and the calling thread drains too, one
 * message per turn of its event loop (after its I/O and the workers' answers). So with 2 cores and
 * one worker both cores encrypt while there is more than the worker can take, the calling thread
 * never stops serving its connections for long, and none of its time goes to encryption when the
 * workers keep up. Messages given to a worker in one turn are posted to it as one message.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { WebPushError, type WebPushErrorCode } from '@wp/ece'
import type { EncryptedBody, EncryptJob, EncryptPool } from './encrypt-pool.js'
import { encryptHere } from './prepare.js'

/** Messages a worker holds (posted and not answered) before more wait in the pool's queue. */
export const HIGH_WATER = 8

interface Pending {
  job: EncryptJob
  resolve: (value: EncryptedBody) => void
  reject: (error: unknown) => void
}

interface Reply {
  id: number
  body?: Uint8Array
  headers?: EncryptedBody['headers']
  error?: { code: string; message: string }
}

interface Thread {
  worker: Worker
  pending: Map<number, Pending>
  /** Posted together at the end of the current microtask. */
  outbox: (EncryptJob & { id: number })[]
}

/** The cores beside the calling thread's. */
export function autoWorkers(): number {
  return Math.max(0, availableParallelism() - 1)
}

/** A pool of `size` worker threads, started on its first message; idle workers never keep the process alive. */
export function createEncryptPool(size: number): EncryptPool {
  const threads: Thread[] = []
  const exited: Promise<void>[] = []
  /** Messages no worker has room for, first come first served. */
  const waiting: Pending[] = []
  let waitingHead = 0
  const counts = { workers: 0, here: 0 }
  let started = false
  let closed = false
  let nextId = 0
  let turnScheduled = false

  const here = (p: Pending): void => {
    counts.here++
    encryptHere(p.job).then(p.resolve, p.reject)
  }

  const takeWaiting = (): Pending | undefined => {
    if (waitingHead === waiting.length) return undefined
    const p = waiting[waitingHead] as Pending
    waiting[waitingHead++] = undefined as unknown as Pending
    if (waitingHead === waiting.length) {
      waiting.length = 0
      waitingHead = 0
    }
    return p
  }

  /** Gives waiting messages to the workers with room, the least loaded first. */
  const dispatch = (): void => {
    for (;;) {
      if (waitingHead === waiting.length) return
      let best: Thread | undefined
      for (const t of threads) if (best === undefined || t.pending.size < best.pending.size) best = t
      if (best === undefined || best.pending.size >= HIGH_WATER) break
      post(best, takeWaiting() as Pending)
    }
    scheduleTurn()
  }

  /** The calling thread's share: one waiting message per turn of the event loop. */
  const scheduleTurn = (): void => {
    if (turnScheduled || waitingHead === waiting.length) return
    turnScheduled = true
    setImmediate(() => {
      turnScheduled = false
      const p = takeWaiting()
      if (p !== undefined) here(p)
      scheduleTurn()
    })
  }

  const post = (thread: Thread, p: Pending): void => {
    const id = nextId++
    thread.pending.set(id, p)
    if (thread.pending.size === 1) thread.worker.ref()
    thread.outbox.push({ id, ...p.job })
    if (thread.outbox.length === 1) queueMicrotask(() => flush(thread))
  }

  const flush = (thread: Thread): void => {
    const jobs = thread.outbox
    thread.outbox = []
    if (jobs.length > 0 && threads.includes(thread)) thread.worker.postMessage(jobs)
  }

  const spawn = (): void => {
    // No execArgv of the process's: the worker is plain JavaScript that needs none of its flags
    // (a loader or a --conditions for the application's own modules could only break it).
    const worker = new Worker(new URL('./encrypt-worker.js', import.meta.url), { execArgv: [] })
    const thread: Thread = { worker, pending: new Map(), outbox: [] }
    worker.unref()
    worker.on('message', (reply: Reply) => {
      const p = thread.pending.get(reply.id)
      if (p === undefined) return
      thread.pending.delete(reply.id)
      if (thread.pending.size === 0) worker.unref()
      if (reply.error !== undefined)
        p.reject(new WebPushError(reply.error.code as WebPushErrorCode, reply.error.message))
      else {
        counts.workers++
        p.resolve({ body: reply.body as Uint8Array, headers: reply.headers ?? {} })
      }
      dispatch()
    })
    // A worker that fails (it cannot load, it runs out of memory) exits; 'exit' hands its messages back.
    worker.on('error', () => {})
    exited.push(
      new Promise<void>((resolve) => {
        worker.once('exit', () => {
          const at = threads.indexOf(thread)
          if (at >= 0) threads.splice(at, 1)
          // Nothing is lost: what the worker held is encrypted here, with fresh keys (nothing left it).
          for (const p of thread.pending.values()) here(p)
          thread.pending.clear()
          thread.outbox = []
          if (threads.length === 0) for (let p = takeWaiting(); p !== undefined; p = takeWaiting()) here(p)
          else dispatch()
          resolve()
        })
      }),
    )
    threads.push(thread)
  }

  return {
    counts,
    get size() {
      return threads.length
    },
    encrypt(job) {
      return new Promise<EncryptedBody>((resolve, reject) => {
        const p: Pending = { job, resolve, reject }
        if (closed) return here(p)
        if (!started) {
          started = true
          try {
            for (let i = 0; i < size; i++) spawn()
          } catch {
            // no thread could start (a resource limit): the calling thread does it all
          }
        }
        waiting.push(p)
        dispatch()
      })
    },
    async close() {
      closed = true
      for (const t of [...threads]) void t.worker.terminate()
      await Promise.all(exited)
    },
  }
}
