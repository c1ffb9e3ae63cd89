/** The demo's data: SQLite through better-sqlite3 at `DATA_DIR/demo.db`, migrated at start. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { WebPushError } from '@wp/ece'
import Database from 'better-sqlite3'
import { MIGRATIONS, type Migration } from './migrations.js'

/** A subscription as the API lists it. */
export interface SubscriptionRow {
  id: string
  endpoint: string
  createdAt: string
}

/** A subscription with its keys: what a send needs. */
export interface StoredSubscription {
  id: string
  endpoint: string
  keys: { p256dh: string; auth: string }
}

/** One delivery, as `GET /api/deliveries` and the event stream give it. */
export interface DeliveryRow {
  id: string
  batchId: string
  subscriptionId: string
  endpoint: string
  /** The push service's outcome (`created`, `gone`, …) or the client's (`invalid`, `network`, `timeout`, `aborted`). */
  outcome: string
  /** The HTTP status, or null when no answer came. */
  status: number | null
  /** The push service's reason, or null when it gave none. */
  reason: string | null
  /** ISO 8601. */
  at: string
}

/** A batch's fields when it is created. */
export interface NewBatch {
  target: string
  title: string
  body: string
  url: string | undefined
}

/** The demo's queries, over one connection. */
export interface Store {
  /** The connection, for tests and tools. */
  readonly db: Database.Database
  /** Adds a subscription, or, for a known endpoint, replaces its keys and keeps its id. */
  /**
   * Stores a subscription, or replaces the keys of the one with this endpoint (its id stays). A new
   * one is refused (undefined) once `max` are stored.
   */
  upsertSubscription(
    endpoint: string,
    p256dh: string,
    auth: string,
    max?: number,
  ): { id: string; created: boolean } | undefined
  /** Deletes the subscription with this endpoint; false when there is none. */
  deleteSubscriptionByEndpoint(endpoint: string): boolean
  /** Deletes the subscription with this id (a gone one); false when there is none. */
  deleteSubscription(id: string): boolean
  /** Every subscription, oldest first. */
  listSubscriptions(): SubscriptionRow[]
  /** One subscription with its keys, or undefined. */
  getSubscription(id: string): StoredSubscription | undefined
  /** Up to `limit` subscriptions with ids above `afterId`, by id: a batch reads them page by page. */
  subscriptionsAfter(afterId: number, limit: number): StoredSubscription[]
  /** The number of subscriptions. */
  countSubscriptions(): number
  /** Records a batch; returns its id. */
  createBatch(batch: NewBatch): string
  /** Records a batch's end and size. */
  finishBatch(id: string, total: number): void
  /** Records one delivery and returns its row. */
  addDelivery(delivery: Omit<DeliveryRow, 'id' | 'at'>): DeliveryRow
  /** The newest `limit` deliveries, newest first. */
  listDeliveries(limit: number): DeliveryRow[]
  /** Closes the connection. */
  close(): void
}

/**
 * Applies the migrations after the database's `user_version`, in one transaction.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` when the database is newer than this code
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number
  const latest = migrations.at(-1)?.version ?? 0
  if (current > latest)
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `DATA_DIR holds a database of schema version ${current}, newer than this demo's ${latest}`,
    )
  const pending = migrations.filter((m) => m.version > current)
  if (pending.length === 0) return current
  db.transaction(() => {
    for (const migration of pending) {
      db.exec(migration.sql)
      // PRAGMA takes no parameters; the version is an integer from the list above.
      db.pragma(`user_version = ${Math.trunc(migration.version)}`)
    }
  }).immediate()
  return latest
}

interface DeliveryRecord {
  id: number
  batch_id: number
  subscription_id: number
  endpoint: string
  outcome: string
  status: number | null
  reason: string | null
  at: string
}

function toDelivery(r: DeliveryRecord): DeliveryRow {
  return {
    id: String(r.id),
    batchId: String(r.batch_id),
    subscriptionId: String(r.subscription_id),
    endpoint: r.endpoint,
    outcome: r.outcome,
    status: r.status,
    reason: r.reason,
    at: r.at,
  }
}

interface SubscriptionRecord {
  id: number
  endpoint: string
  p256dh: string
  auth: string
}

function toStored(r: SubscriptionRecord): StoredSubscription {
  return { id: String(r.id), endpoint: r.endpoint, keys: { p256dh: r.p256dh, auth: r.auth } }
}

/** An id from the API: a positive integer in decimal, else NaN (no row has it). */
function toRowId(id: string): number {
  return /^[1-9]\d{0,15}$/.test(id) ? Number(id) : Number.NaN
}

/**
 * Opens (creating it if needed) `dataDir/demo.db` and brings its schema up to date.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a database newer than this code; better-sqlite3's
 *   errors for one that cannot be opened
 */
export function openStore(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const db = new Database(join(dataDir, 'demo.db'))
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrate(db)
  } catch (error) {
    db.close()
    throw error
  }

  const findByEndpoint = db.prepare<[string], { id: number }>('SELECT id FROM subscriptions WHERE endpoint = ?')
  const insertSubscription = db.prepare<[string, string, string, string]>(
    'INSERT INTO subscriptions (endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?)',
  )
  const updateKeys = db.prepare<[string, string, number]>('UPDATE subscriptions SET p256dh = ?, auth = ? WHERE id = ?')
  const deleteByEndpoint = db.prepare<[string]>('DELETE FROM subscriptions WHERE endpoint = ?')
  const deleteById = db.prepare<[number]>('DELETE FROM subscriptions WHERE id = ?')
  const listAll = db.prepare<[], { id: number; endpoint: string; created_at: string }>(
    'SELECT id, endpoint, created_at FROM subscriptions ORDER BY id',
  )
  const getOne = db.prepare<[number], SubscriptionRecord>(
    'SELECT id, endpoint, p256dh, auth FROM subscriptions WHERE id = ?',
  )
  const page = db.prepare<[number, number], SubscriptionRecord>(
    'SELECT id, endpoint, p256dh, auth FROM subscriptions WHERE id > ? ORDER BY id LIMIT ?',
  )
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM subscriptions')
  const insertBatch = db.prepare<[string, string, string, string | null, string]>(
    'INSERT INTO batches (target, title, body, url, created_at) VALUES (?, ?, ?, ?, ?)',
  )
  const endBatch = db.prepare<[number, string, number]>('UPDATE batches SET total = ?, finished_at = ? WHERE id = ?')
  const insertDelivery = db.prepare<[number, number, string, string, number | null, string | null, string]>(
    'INSERT INTO deliveries (batch_id, subscription_id, endpoint, outcome, status, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  )
  const newest = db.prepare<[number], DeliveryRecord>('SELECT * FROM deliveries ORDER BY id DESC LIMIT ?')

  const upsert = db.transaction((endpoint: string, p256dh: string, auth: string, max: number) => {
    const known = findByEndpoint.get(endpoint)
    if (known !== undefined) {
      updateKeys.run(p256dh, auth, known.id)
      return { id: String(known.id), created: false }
    }
    if ((count.get()?.n ?? 0) >= max) return undefined
    const info = insertSubscription.run(endpoint, p256dh, auth, new Date().toISOString())
    return { id: String(info.lastInsertRowid), created: true }
  })

  return {
    db,
    upsertSubscription: (endpoint, p256dh, auth, max = Number.POSITIVE_INFINITY) =>
      upsert.immediate(endpoint, p256dh, auth, max),
    deleteSubscriptionByEndpoint: (endpoint) => deleteByEndpoint.run(endpoint).changes > 0,
    deleteSubscription: (id) => deleteById.run(toRowId(id)).changes > 0,
    listSubscriptions: () =>
      listAll.all().map((r) => ({ id: String(r.id), endpoint: r.endpoint, createdAt: r.created_at })),
    getSubscription: (id) => {
      const row = getOne.get(toRowId(id))
      return row === undefined ? undefined : toStored(row)
    },
    subscriptionsAfter: (afterId, limit) => page.all(afterId, limit).map(toStored),
    countSubscriptions: () => count.get()?.n ?? 0,
    createBatch: (b) =>
      String(insertBatch.run(b.target, b.title, b.body, b.url ?? null, new Date().toISOString()).lastInsertRowid),
    finishBatch: (id, total) => {
      endBatch.run(total, new Date().toISOString(), Number(id))
    },
    addDelivery: (d) => {
      const at = new Date().toISOString()
      const info = insertDelivery.run(
        Number(d.batchId),
        Number(d.subscriptionId),
        d.endpoint,
        d.outcome,
        d.status,
        d.reason,
        at,
      )
      return { id: String(info.lastInsertRowid), ...d, at }
    },
    listDeliveries: (limit) => newest.all(limit).map(toDelivery),
    close: () => db.close(),
  }
}
