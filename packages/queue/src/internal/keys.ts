/**
 * The Redis keys of a batch, beside BullMQ's own. One hash tag per batch (`{id}`), so a batch's keys
 * live in one slot of a Redis Cluster and one script can touch them all.
 * - `meta`: a hash: the message (`payload` base64, `options` JSON), `total` once every item is
 *   enqueued, `completed`, `o:<outcome>` counts, `finished`, `retention` (seconds), `created`/`finishedAt` (ms).
 * - `results`: a hash from an item's index to its stored result (written once: `HSETNX`).
 * - `stream`: one entry per first result (`i` = the index), in completion order, and a last entry
 *   `end` when the batch finishes; `results(id)` reads it.
 * - `receipt:<token>`: what one write of results answered, for 10 minutes.
 */
export interface BatchKeys {
  meta: string
  results: string
  stream: string
  /** The receipt of one write of results (its token): the reply, kept 10 minutes, for a resent write. */
  receipt(token: string): string
}

/** The keys of batch `id` in queue `name`. */
export function batchKeys(name: string, id: string): BatchKeys {
  const base = `wpq:${name}:{${id}}`
  return {
    meta: `${base}:meta`,
    results: `${base}:results`,
    stream: `${base}:stream`,
    receipt: (token) => `${base}:receipt:${token}`,
  }
}

/** A batch id as `enqueueMany` makes them: a UUID (anything else cannot be a batch). */
export const BATCH_ID: RegExp = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
