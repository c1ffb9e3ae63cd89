#!/usr/bin/env node
// Delivery throughput: @wp/transport over HTTP/1.1 (undici keep-alive pool) and HTTP/2 (one
// multiplexed session), side by side in one run with Node's built-in fetch, sending pre-encrypted
// 3 KB push bodies to a local sink in another process (HTTPS, 127.0.0.1) at concurrency 50 and 200.
// Reports requests per second and the client's CPU time per request (user + system).
//   node bench/transport.mjs [--requests n] [--rounds n]
// Prints a table and writes bench/results/transport.json.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { encryptWebPush, generateSubscriptionKeys } from '@wp/ece'
import { createTransport } from '@wp/transport'
import { fmt, machine, median, save, table } from './lib/measure.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } },
})
const REQUESTS = Number(args.requests)
const ROUNDS = Number(args.rounds)

if (process.env.WP_BENCH_SINK === undefined) {
  // Parent: start the sink, then run the client in a child that trusts the sink's certificate
  // (Node's fetch reads extra CAs only from NODE_EXTRA_CA_CERTS at start-up).
  const sink = spawn(process.execPath, [join(here, 'lib', 'sink.mjs')], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const info = await new Promise((resolve, reject) => {
    sink.stdout.once('data', (line) => resolve(JSON.parse(String(line))))
    sink.once('exit', (code) => reject(new Error(`the sink exited with ${code}`)))
  })
  const client = spawn(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, WP_BENCH_SINK: JSON.stringify(info), NODE_EXTRA_CA_CERTS: info.cert },
  })
  const code = await new Promise((resolve) => client.once('exit', resolve))
  sink.kill()
  process.exit(code ?? 1)
}

const sink = JSON.parse(process.env.WP_BENCH_SINK)
const receiver = await generateSubscriptionKeys()
const message = await encryptWebPush(new Uint8Array(3072).fill(42), { p256dh: receiver.publicKey, auth: receiver.auth })
const body = message.body
const headers = {
  TTL: '2419200',
  'Content-Encoding': 'aes128gcm',
  Urgency: 'normal',
  Authorization: `vapid t=${'e'.repeat(36)}.${'p'.repeat(120)}.${'s'.repeat(86)}, k=${'k'.repeat(87)}`,
}

/** Sends `total` requests with `concurrency` workers; returns requests/s and client CPU µs per request. */
async function run(send, total, concurrency) {
  let next = 0
  let failed = 0
  const cpu = process.cpuUsage()
  const start = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++
        const status = await send()
        if (status !== 201) failed++
      }
    }),
  )
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  if (failed > 0) throw new Error(`${failed} requests did not get 201`)
  return { rate: (total * 1000) / ms, cpuUs: (used.user + used.system) / total }
}

const h1 = createTransport({ http2: false, allowPrivateNetwork: true, maxConnectionsPerOrigin: 64 })
const h2 = createTransport({ http2: true, allowPrivateNetwork: true })
let path = 0
const candidates = {
  '@wp/transport HTTP/1.1': () => () =>
    h1.send({ endpoint: `https://127.0.0.1:${sink.h1}/push/${path++}`, headers, body }).then((r) => r.status),
  '@wp/transport HTTP/2': () => () =>
    h2.send({ endpoint: `https://127.0.0.1:${sink.h2}/push/${path++}`, headers, body }).then((r) => r.status),
  'fetch (Node built-in, HTTP/1.1)': () => () =>
    fetch(`https://127.0.0.1:${sink.h1}/push/${path++}`, { method: 'POST', headers, body }).then(async (r) => {
      await r.arrayBuffer()
      return r.status
    }),
}

const results = []
for (const concurrency of [50, 200]) {
  for (const make of Object.values(candidates)) await run(make(concurrency), 2000, concurrency) // warm-up
  const rounds = Object.fromEntries(Object.keys(candidates).map((n) => [n, []]))
  for (let r = 0; r < ROUNDS; r++)
    for (const [name, make] of Object.entries(candidates))
      rounds[name].push(await run(make(concurrency), REQUESTS, concurrency))
  for (const name of Object.keys(candidates))
    results.push({
      name,
      concurrency,
      rate: median(rounds[name].map((x) => x.rate)),
      cpuUs: median(rounds[name].map((x) => x.cpuUs)),
      rounds: rounds[name],
    })
}
await Promise.all([h1.close(), h2.close()])

const m = machine()
console.log(
  `Delivery of 3 KB bodies to a local HTTPS sink, ${REQUESTS} requests per round, median of ${ROUNDS} (${m.node}, ${m.cpu}, ${m.cores} cores)\n`,
)
const fetchRate = (c) => results.find((r) => r.concurrency === c && r.name.startsWith('fetch')).rate
table(
  ['candidate', 'concurrency', 'requests/s', 'client CPU µs/req', 'vs fetch'],
  results.map((r) => [
    r.name,
    r.concurrency,
    fmt(r.rate),
    fmt(r.cpuUs, 1),
    `${fmt(r.rate / fetchRate(r.concurrency), 2)}x`,
  ]),
)
save('transport', {
  bench: 'transport',
  date: new Date().toISOString(),
  machine: m,
  settings: { requests: REQUESTS, rounds: ROUNDS },
  results,
})
