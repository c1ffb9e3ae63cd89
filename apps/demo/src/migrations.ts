/**
 * The database's schema, as numbered migrations. `PRAGMA user_version` holds the number of the last
 * one applied; at start, the ones after it run in one transaction (all or none). Append new
 * migrations; never edit one that has shipped.
 */

/** One schema step. */
export interface Migration {
  /** 1, 2, 3, …: the `user_version` after it. */
  version: number
  /** A short name, for messages. */
  name: string
  /** The statements. */
  sql: string
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: '0001_init',
    sql: `
      CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        endpoint TEXT NOT NULL UNIQUE,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE batches (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        target TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        url TEXT,
        total INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        finished_at TEXT
      );
      -- subscription_id and endpoint are kept as they were: a gone subscription is deleted, its history is not.
      CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        subscription_id INTEGER NOT NULL,
        endpoint TEXT NOT NULL,
        outcome TEXT NOT NULL,
        status INTEGER,
        reason TEXT,
        at TEXT NOT NULL
      );
      CREATE INDEX deliveries_batch ON deliveries(batch_id);
    `,
  },
]
