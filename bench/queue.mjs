#!/usr/bin/env node
// @wp/queue against in-process sending, in one run. A sink in its own process answers every push
// with 201 after 20 to 50 ms (a push service's latency; HTTP/1.1 keep-alive on 127.0.0.1); every
// subscription has its own endpoint and receiver keys, payloads are 3 KB (aes128gcm).
//
// 1. Throughput, messages per second, `--messages` per run, median of `--rounds` runs:
//    - in process: createPushClient({ concurrency: 100 }).sendMany(subscriptions, payload);
//    - through the queue: `enqueueMany` of the same subscriptions to 1, 2 and 3 `wp-push-worker`
//      processes (the built CLI, `--concurrency 100` each), timed from the start of `enqueueMany`
//      to the batch's last result read through `results(id)`.
//    The figure of merit is the ratio of one worker through the queue to in-process sendMany.
// Also what a finished batch keeps in Redis per subscription (its results, until they expire).
// 2. The enqueue rate: `enqueueMany` of `--million` subscriptions from a generator, no worker
//    running, and Redis's memory per queued subscription (`used_memory` before and after, divided).
// It runs against the BUILT packages (`pnpm bench` builds first) and a redis-server of its own.
//   node bench/queue.mjs [--messages n] [--rounds n] [--million n] [--workers 1,2,3]
// Prints tables and writes bench/results/queue.json.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { base64urlEncode, generateSubscriptionKeys } from '@wp/ece'
import { createPushQueue } from '@wp/queue'
import { generateVapidKeys, importVapidKey } from '@wp/vapid'
import { createPushClient } from '@wp/webpush'
import { Redis } from 'ioredis'
import { fmt, machine, median, positiveInteger, save, table } from './lib/measure.mjs'
import { startRedis } from './lib/redis.mjs'

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    million: { type: 'string', default: '1000000' },
    workers: { type: 'string', default: '1,2,3' },
  },
})
const MESSAGES = positiveInteger(args.messages, '--messages')
const ROUNDS = positiveInteger(args.rounds, '--rounds')
const MILLION = positiveInteger(args.million, '--million')
const WORKER_COUNTS = args.workers.split(',').map((n) => positiveInteger(n, '--workers'))
const CONCURRENCY = 100
const here = dirname(fileURLToPath(import.meta.url))
const cli = join(here, '..', 'packages', 'queue', 'dist', 'cli.js')

/** Starts a child that prints one JSON line when ready; the line and the child. */
function startChild(command, argv, options = {}) {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], ...options })
  return new Promise((resolve, reject) => {
    let out = ''
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited (${code})`)))
    child.stdout.on('data', (chunk) => {
      out += chunk
      const line = out.split('\n')[0]
      if (out.includes('\n')) {
        child.stdout.removeAllListeners('data')
        child.stdout.resume()
        child.removeAllListeners('exit')
        resolve({ child, line })
      }
    })
  })
}

const sink = await startChild(process.execPath, [join(here, 'lib', 'latency-sink.mjs')])
process.once('exit', () => sink.child.kill())
const origin = `http://127.0.0.1:${JSON.parse(sink.line).port}`
const redis = await startRedis()
process.once('exit', () => redis.stop())
const vapid = await generateVapidKeys()
const dir = mkdtempSync(join(tmpdir(), 'wp-bench-queue-'))
const keyFile = join(dir, 'private_key.pem')
writeFileSync(keyFile, (await importVapidKey(vapid.privateKey)).toPEM(), { mode: 0o600 })
const payload = randomBytes(1536).toString('hex') // 3 KB of text

const subscriptions = []
for (let i = 0; i < MESSAGES; i++) {
  const keys = await generateSubscriptionKeys()
  subscriptions.push({
    endpoint: `${origin}/push/${i}`,
    keys: { p256dh: base64urlEncode(keys.publicKey), auth: base64urlEncode(keys.auth) },
  })
}

let round = 0
/** Redis bytes a finished batch of MESSAGES keeps, per run. */
const resultBytes = []
/** In-process sendMany: messages per second. */
async function inProcess() {
  const client = createPushClient({
    vapid: { privateKey: vapid.privateKey, subject: 'mailto:bench@example.com' },
    allowPrivateNetwork: [origin],
    concurrency: CONCURRENCY,
  })
  const start = performance.now()
  let ok = 0
  for await (const result of client.sendMany(subscriptions, payload, { ttl: 60 })) if (result.ok) ok++
  const elapsed = performance.now() - start
  await client.close()
  if (ok !== MESSAGES) throw new Error(`in process: ${ok} of ${MESSAGES} ok`)
  return (MESSAGES * 1000) / elapsed
}

/** Through the queue with `n` worker processes: messages per second. */
async function throughQueue(n) {
  const name = `bench-${round++}`
  const workers = []
  for (let i = 0; i < n; i++) {
    const { child } = await startChild(process.execPath, [
      cli,
      '--redis',
      redis.url,
      '--key',
      keyFile,
      '--subject',
      'mailto:bench@example.com',
      '--concurrency',
      String(CONCURRENCY),
      '--name',
      name,
      '--allow-private-network',
    ])
    workers.push(child)
  }
  const queue = createPushQueue({ connection: redis.url, name })
  const admin = new Redis(redis.url)
  const memory = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))[1])
  try {
    const before = await memory()
    const start = performance.now()
    const id = await queue.enqueueMany(subscriptions, payload, { ttl: 60 })
    let ok = 0
    for await (const result of queue.results(id)) if (result.ok) ok++
    const elapsed = performance.now() - start
    if (ok !== MESSAGES) throw new Error(`queue, ${n} workers: ${ok} of ${MESSAGES} ok`)
    // What a finished batch keeps until it expires, once its last chunk job is done and removed.
    for (let i = 0; i < 200 && (await admin.llen(`bull:${name}:active`)) > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10))
    resultBytes.push((await memory()) - before)
    await admin.flushall()
    return (MESSAGES * 1000) / elapsed
  } finally {
    admin.disconnect()
    await queue.close()
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) => {
            w.once('exit', resolve)
            w.kill('SIGTERM')
          }),
      ),
    )
  }
}

/** Enqueue rate for `count` subscriptions from a generator, and Redis bytes per subscription. */
async function enqueueMillion(count) {
  const admin = new Redis(redis.url)
  await admin.flushall()
  const memory = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))[1])
  const before = await memory()
  const pool = subscriptions.slice(0, 1000)
  function* generate() {
    for (let i = 0; i < count; i++) {
      const s = pool[i % pool.length]
      yield { endpoint: `${origin}/push/m${i}`, keys: s.keys }
    }
  }
  const queue = createPushQueue({ connection: redis.url, name: 'bench-million' })
  const start = performance.now()
  await queue.enqueueMany(generate(), payload, { ttl: 60 })
  const elapsed = performance.now() - start
  const after = await memory()
  await queue.close()
  await admin.flushall()
  admin.disconnect()
  return { rate: (count * 1000) / elapsed, seconds: elapsed / 1000, bytesPerSubscription: (after - before) / count }
}

try {
  const rounds = { inProcess: [], ...Object.fromEntries(WORKER_COUNTS.map((n) => [`queue${n}`, []])) }
  for (let r = 0; r < ROUNDS; r++) {
    process.stderr.write(`round ${r + 1} of ${ROUNDS}\n`)
    rounds.inProcess.push(await inProcess())
    for (const n of WORKER_COUNTS) rounds[`queue${n}`].push(await throughQueue(n))
  }
  const base = median(rounds.inProcess)
  const rows = [['in process, sendMany', fmt(base), '1.00']]
  for (const n of WORKER_COUNTS) {
    const rate = median(rounds[`queue${n}`])
    rows.push([`queue, ${n} worker process${n > 1 ? 'es' : ''}`, fmt(rate), fmt(rate / base, 2)])
  }
  console.log(
    `\n${fmt(MESSAGES)} messages of 3 KB, concurrency ${CONCURRENCY} per sender, sink latency 20-50 ms; median of ${ROUNDS}`,
  )
  table(['sender', 'messages/s', 'x in process'], rows)
  console.log(
    `a finished batch keeps ${fmt(median(resultBytes) / MESSAGES)} bytes of Redis per subscription until it expires`,
  )
  process.stderr.write(`enqueueing ${fmt(MILLION)}\n`)
  const million = await enqueueMillion(MILLION)
  console.log(
    `\nenqueueMany of ${fmt(MILLION)} subscriptions: ${fmt(million.rate)}/s (${fmt(million.seconds, 1)} s), Redis ${fmt(million.bytesPerSubscription)} bytes per queued subscription`,
  )
  save('queue', {
    command: `node bench/queue.mjs --messages ${MESSAGES} --rounds ${ROUNDS} --million ${MILLION} --workers ${args.workers}`,
    machine: machine(),
    messages: MESSAGES,
    concurrency: CONCURRENCY,
    sinkLatencyMs: [20, 50],
    rounds,
    resultBytesPerSubscription: median(resultBytes) / MESSAGES,
    enqueue: million,
  })
} finally {
  sink.child.kill()
  redis.stop()
  rmSync(dir, { recursive: true, force: true })
}
