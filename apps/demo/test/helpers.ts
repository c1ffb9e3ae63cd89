/** Shared by the demo's server tests: a demo on free ports in a temporary DATA_DIR, requests, dumps. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { createDemo, type Demo, type DemoOptions } from '../src/index.js'

/** A temporary folder, removed by the returned function. */
export function tempDir(prefix = 'wp-demo-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** A page folder with one file of each type the demo serves, so the tests do not depend on the real page. */
export function fakePublicDir(root: string): string {
  const dir = join(root, 'public')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>demo</title>')
  writeFileSync(join(dir, 'sw.js'), 'self.addEventListener("push", () => {})')
  writeFileSync(join(dir, 'app.js'), 'console.log("app")')
  writeFileSync(join(dir, 'style.css'), 'body { margin: 0 }')
  writeFileSync(join(dir, 'favicon.ico'), new Uint8Array([0, 0, 1, 0]))
  writeFileSync(join(root, 'secret.txt'), 'outside the public folder')
  return dir
}

/** A port free on 127.0.0.1 at the moment of the call. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Starts a demo on free ports of 127.0.0.1 with its log kept in `logs`. */
export async function startDemo(options: DemoOptions & { dataDir: string }): Promise<{ demo: Demo; logs: string[] }> {
  const logs: string[] = []
  const demo = await createDemo({
    port: 0,
    host: '127.0.0.1',
    localPushPort: 0,
    log: (line) => logs.push(line),
    ...options,
  })
  return { demo, logs }
}

/** An answer, its JSON parsed when it has some. */
export interface Answer {
  status: number
  headers: Headers
  json: unknown
  text: string
}

/** A request to the demo: `body` is sent as JSON unless `raw` gives the exact bytes and type. */
export async function call(
  demo: Demo,
  method: string,
  path: string,
  options: {
    body?: unknown
    raw?: string
    type?: string | null
    token?: string | null
    headers?: Record<string, string>
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers }
  const token = options.token === undefined ? demo.token : options.token
  if (token !== null) headers.Authorization = `Bearer ${token}`
  let body: string | undefined
  if (options.raw !== undefined) body = options.raw
  else if (options.body !== undefined) body = JSON.stringify(options.body)
  const type = options.type === undefined ? (body === undefined ? null : 'application/json') : options.type
  if (type !== null) headers['Content-Type'] = type
  const response = await fetch(demo.url + path, { method, headers, ...(body === undefined ? {} : { body }) })
  const text = await response.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: response.status, headers: response.headers, json, text }
}

/** Every row of every table, and the schema version: equal dumps mean an unchanged database. */
export function dump(db: Database.Database): string {
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((t) => t.name)
  const out: Record<string, unknown> = { user_version: db.pragma('user_version', { simple: true }) }
  for (const name of tables)
    out[name] = db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}" ORDER BY rowid`).all()
  return JSON.stringify(out)
}

/** Reads server-sent events from a stream until `until` is true for one, within `timeoutMs`. */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  until: (event: { event: string; data: string }) => boolean,
  timeoutMs = 10_000,
): Promise<{ event: string; data: string }[]> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const events: { event: string; data: string }[] = []
  let buffer = ''
  const deadline = Date.now() + timeoutMs
  try {
    for (let reads = 0; reads < 10_000; reads++) {
      const left = deadline - Date.now()
      if (left <= 0) break
      let timer: NodeJS.Timeout | undefined
      const chunk = await Promise.race([
        reader.read(),
        new Promise<{ done: true; value: undefined }>((resolve) => {
          timer = setTimeout(() => resolve({ done: true, value: undefined }), left)
        }),
      ])
      clearTimeout(timer)
      if (chunk.done) break
      buffer += decoder.decode(chunk.value, { stream: true })
      let end = buffer.indexOf('\n\n')
      while (end !== -1) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const fields = { event: 'message', data: '' }
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) fields.event = line.slice(7)
          else if (line.startsWith('data: ')) fields.data += line.slice(6)
        }
        if (fields.data !== '') {
          events.push(fields)
          if (until(fields)) return events
        }
        end = buffer.indexOf('\n\n')
      }
    }
    return events
  } finally {
    reader.cancel().catch(() => {})
  }
}
