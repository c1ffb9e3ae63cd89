// @ts-check
/**
 * A worker thread of @wp/webpush's encryption pool (`createPushClient({ workers })`): encrypts each
 * message the pool posts (RFC 8291, a fresh ephemeral key and salt per message) and posts the body
 * back, moving its buffer rather than copying it. Plain JavaScript, so the same file runs from the
 * sources and from the build.
 */
import { parentPort } from 'node:worker_threads'
import { encryptWebPush } from '@wp/ece'

const port = parentPort
if (port === null) throw new Error('encrypt-worker.js runs only as a worker thread')

/**
 * @typedef {{ id: number, payload: Uint8Array, p256dh: Uint8Array, auth: Uint8Array, encoding: 'aes128gcm' | 'aesgcm' }} Job
 */

/** @param {Job} job */
async function run(job) {
  try {
    const message = await encryptWebPush(
      job.payload,
      { p256dh: job.p256dh, auth: job.auth },
      { encoding: job.encoding },
    )
    const body = message.body
    // Moved when the body owns its whole buffer; copied otherwise (a view into a shared pool must stay).
    const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
    port?.postMessage({ id: job.id, body, headers: message.headers }, own ? [body.buffer] : [])
  } catch (error) {
    // Only the code and the message cross: never the inputs (the message names fields, not values).
    const e = /** @type {{ code?: unknown, message?: unknown }} */ (error ?? {})
    port?.postMessage({
      id: job.id,
      error: { code: typeof e.code === 'string' ? e.code : 'ERR_WP_ENCRYPT', message: String(e.message ?? error) },
    })
  }
}

port.on('message', (/** @type {Job[]} */ jobs) => {
  for (const job of jobs) void run(job)
})
