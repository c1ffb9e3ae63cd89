/** What survives a restart with the same DATA_DIR, and the migrations that run at start. */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { migrate } from '../src/db.js'
import type { Demo } from '../src/index.js'
import { call, dump, freePort, startDemo, tempDir } from './helpers.js'

const dirs: ReturnType<typeof tempDir>[] = []
const demos: Demo[] = []
afterEach(async () => {
  await Promise.all(demos.splice(0).map((d) => d.close()))
  for (const dir of dirs.splice(0)) dir.remove()
})

describe('a restart with the same DATA_DIR', () => {
  it('keeps the subscriptions, the history and the VAPID key; the old local subscriptions then report gone', async () => {
    const dir = tempDir()
    dirs.push(dir)
    // The local service's port is fixed (PORT + 1 by default), so its origin is the same after the restart.
    const localPushPort = await freePort()
    const first = (await startDemo({ dataDir: dir.path, localPushPort })).demo
    const subscriber = await first.localPushService!.subscribe({ applicationServerKey: first.applicationServerKey })
    const { json } = await call(first, 'POST', '/api/subscriptions', { body: subscriber.subscription, token: null })
    const id = (json as { id: string }).id
    const sent = await call(first, 'POST', '/api/notify', { body: { title: 'Before', body: '', to: id } })
    expect(sent.status).toBe(200)
    const key = first.applicationServerKey
    const subscriptions = (await call(first, 'GET', '/api/subscriptions')).json
    const deliveries = (await call(first, 'GET', '/api/deliveries')).json
    await first.close()
    expect(statSync(join(dir.path, 'vapid.pem')).mode & 0o777).toBe(0o600)

    const second = (await startDemo({ dataDir: dir.path, localPushPort })).demo
    demos.push(second)
    expect(second.applicationServerKey).toBe(key)
    expect((await call(second, 'GET', '/api/subscriptions')).json).toEqual(subscriptions)
    expect((await call(second, 'GET', '/api/deliveries')).json).toEqual(deliveries)
    // The local service keeps its subscriptions in memory: the old one is unknown now.
    const after = await call(second, 'POST', '/api/notify', { body: { title: 'After', body: '', to: id } })
    expect((after.json as { results: { outcome: string }[] }).results[0]!.outcome).toBe('gone')
    expect((await call(second, 'GET', '/api/subscriptions')).json).toEqual([])
  })

  it('uses DEMO_TOKEN when given, and a fresh 32-byte token otherwise', async () => {
    const dir = tempDir()
    dirs.push(dir)
    const a = (await startDemo({ dataDir: dir.path })).demo
    demos.push(a)
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(a.adminUrl).toBe(`${a.url}/#token=${a.token}`)
    const token = 'a-token-of-my-choosing-1234'
    const other = tempDir()
    dirs.push(other)
    const b = (await startDemo({ dataDir: other.path, token })).demo
    demos.push(b)
    expect(b.token).toBe(token)
    expect((await call(b, 'GET', '/api/subscriptions', { token })).status).toBe(200)
  })
})

describe('migrations', () => {
  it('run once, in a transaction: a failing one leaves the database as it was', () => {
    const db = new Database(':memory:')
    const good = { version: 1, name: '0001', sql: 'CREATE TABLE a (x INTEGER);' }
    const broken = { version: 2, name: '0002', sql: 'CREATE TABLE b (x INTEGER); SELECT * FROM nowhere;' }
    expect(() => migrate(db, [good, broken])).toThrow()
    const before = dump(db)
    expect(JSON.parse(before)).toEqual({ user_version: 0 })
    expect(migrate(db, [good])).toBe(1)
    expect(migrate(db, [good])).toBe(1)
    expect(JSON.parse(dump(db))).toEqual({ user_version: 1, a: [] })
    db.close()
  })

  it('refuse a database newer than the code', () => {
    const db = new Database(':memory:')
    db.pragma('user_version = 7')
    expect(() => migrate(db, [{ version: 1, name: '0001', sql: '' }])).toThrow(/schema version 7/)
    db.close()
  })
})
