#!/usr/bin/env node
// The full pipeline of a sender: encrypt (RFC 8291, aes128gcm), sign (VAPID, RFC 8292) and deliver,
// with @wp/webpush's PushClient.sendMany side by side in one run with npm web-push 3.6.7's
// sendNotification, to a local HTTPS sink in another process (127.0.0.1, HTTP/1.1 and HTTP/2,
// answers 201), 3 KB payloads, every subscription with its own endpoint path and receiver keys.
//
// Part 1, in one client process: `--messages` notifications per round to each candidate at
// concurrency 50 and 200, `--rounds` rounds interleaved (the order rotates each round) after a
// warm-up; a candidate's rate is the median of its rounds, its ratio to web-push the median of the
// ratios of the same round. Candidates:
//   - createPushClient({ vapid, allowPrivateNetwork: [the sink's origins], transport: { http2 } })
//     .sendMany(subscriptions, payload, { concurrency, ttl }), over HTTP/1.1 + TLS and over HTTP/2,
//     with the default `workers`, with `workers: 0` and with `workers: 'auto'`;
//   - web-push's sendNotification(subscription, payload, { vapidDetails, TTL }), `concurrency`
//     calls in flight, through https.globalAgent (Node 20's keeps connections alive: keepAlive true,
//     a 5 s idle timeout, no limit on sockets per host: one TLS connection per call in flight).
// Every message must get 201 (a failed run is an error, not a number). The sender's CPU is
// `process.cpuUsage()` (user + system) of the client process, which counts all its threads (worker
// threads included); the sink's CPU is read from /proc on Linux.
//
// Part 2, in a child process of its own (so part 1 leaves nothing in its memory): sendMany over
// `--million` subscriptions from a generator, with the default concurrency, over the protocol that
// was faster in part 1 (or `--million-protocol`). RSS and heap used are printed every tenth of the
// run, peak RSS is sampled every 250 ms, and every result must be counted and ok.
//
// The parent checks the sink answered exactly as many requests as the clients counted. With
// --skip-pipeline or --skip-million, the skipped part's figures are carried over from the previous
// results file, marked `carriedOverFrom` with the date of the run that measured them.
// It runs against the BUILT packages (`pnpm bench` builds first).
//   node bench/webpush.mjs [--messages n] [--rounds n] [--concurrency 50,200] [--million n]
//     [--million-protocol h1|h2] [--million-payload bytes] [--skip-pipeline] [--skip-million]
//     [--only name] [--profile dir]
// `--only` keeps the part 1 candidate of that name, or those whose name contains the text (without
// web-push, no ratio); `--profile dir` runs the part 1 client with `node --cpu-prof` into dir
// (summarise a profile with `node bench/lib/cpuprofile.mjs FILE`); neither writes the results file.
// Prints tables and writes bench/results/webpush.json.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import https from 'node:https'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { base64urlEncode, generateSubscriptionKeys } from '@wp/ece'
import { createPushClient } from '@wp/webpush'
import webpush from 'web-push'
import { cpuBetween, cpuSnapshot } from './lib/cpu.mjs'
import { fmt, machine, median, positiveInteger, save, table } from './lib/measure.mjs'
import { quietGate } from './lib/quiet.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const self = fileURLToPath(import.meta.url)
const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    million: { type: 'string', default: '1000000' },
    'million-protocol': { type: 'string' },
    'million-payload': { type: 'string', default: '3072' },
    concurrency: { type: 'string', default: '50,200' },
    only: { type: 'string' },
    'skip-million': { type: 'boolean', default: false },
    'skip-pipeline': { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
})
const MESSAGES = positiveInteger(args.messages, '--messages')
const ROUNDS = positiveInteger(args.rounds, '--rounds')
const MILLION = positiveInteger(args.million, '--million')
const CONCURRENCIES = args.concurrency.split(',').map((c) => positiveInteger(c, '--concurrency'))
const WARMUP = Math.min(2000, MESSAGES) // messages per candidate before the rounds
const PAYLOAD_SIZE = 3072
const MILLION_PAYLOAD = Number(args['million-payload']) // bytes; 0 sends pushes without payload
if (!Number.isInteger(MILLION_PAYLOAD) || MILLION_PAYLOAD < 0 || MILLION_PAYLOAD > 3993)
  throw new Error(`--million-payload must be an integer from 0 to 3993, got ${args['million-payload']}`)
const RECEIVERS = 1000 // distinct receiver key pairs, cycled over the subscriptions
const TTL = 3600
const SUBJECT = 'mailto:bench@example.com'
const RSS_SAMPLE_MS = 250
const RSS_TARGET_MB = 200
if (args['million-protocol'] !== undefined && !['h1', 'h2'].includes(args['million-protocol']))
  throw new Error(`--million-protocol must be h1 or h2, got ${args['million-protocol']}`)

const role = process.env.WP_BENCH_ROLE
if (role === 'pipeline') await pipeline()
else if (role === 'million') await million()
else await parent()

// --- Parent: the sink, the two client processes, the report -------------------------------------

/** Spawns a client child of `role`; resolves with the one result it sends over IPC. */
function child(roleName, sink, nodeArgs = [], extraEnv = {}) {
  const proc = spawn(process.execPath, [...nodeArgs, self, ...process.argv.slice(2)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      WP_BENCH_ROLE: roleName,
      WP_BENCH_SINK: JSON.stringify({ ...sink.info, pid: sink.proc.pid }),
      // the sink's self-signed certificate, for https.globalAgent (web-push) and undici alike
      NODE_EXTRA_CA_CERTS: sink.info.cert,
      ...extraEnv,
    },
  })
  return new Promise((resolvePromise, reject) => {
    let result
    proc.on('message', (m) => {
      result = m
    })
    proc.once('exit', (code, signal) => {
      if (code === 0 && result !== undefined) resolvePromise(result)
      else reject(new Error(`the ${roleName} client failed (${signal ?? `exit ${code}`})`))
    })
  })
}

/** How many requests the sink answered so far. */
function served(sink) {
  return new Promise((resolvePromise) => {
    sink.proc.once('message', (m) => resolvePromise(m.served))
    sink.proc.send('count')
  })
}

async function parent() {
  const proc = spawn(process.execPath, [join(here, 'lib', 'sink.mjs')], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const info = await new Promise((resolvePromise, reject) => {
    proc.stdout.once('data', (line) => resolvePromise(JSON.parse(String(line))))
    proc.once('exit', (code) => reject(new Error(`the sink exited with ${code}`)))
  })
  const sink = { proc, info }
  const m = machine()
  const output = {
    bench: 'webpush',
    date: new Date().toISOString(),
    machine: m,
    settings: {
      messages: MESSAGES,
      rounds: ROUNDS,
      warmup: WARMUP,
      concurrency: CONCURRENCIES,
      payloadBytes: PAYLOAD_SIZE,
      receivers: RECEIVERS,
      million: MILLION,
      millionPayloadBytes: MILLION_PAYLOAD,
    },
  }
  try {
    if (!args['skip-pipeline']) {
      const before = await served(sink)
      const nodeArgs = args.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(args.profile)}`]
      const result = await child('pipeline', sink, nodeArgs)
      const answered = (await served(sink)) - before
      if (answered !== result.sent)
        throw new Error(`the sink answered ${answered} requests, the pipeline client counted ${result.sent}`)
      output.pipeline = result
      reportPipeline(result, m)
    }
    if (!args['skip-million']) {
      const protocol = args['million-protocol'] ?? fasterProtocol(output.pipeline)
      const before = await served(sink)
      const result = await child('million', sink, ['--expose-gc'], { WP_BENCH_MILLION_PROTOCOL: protocol })
      const answered = (await served(sink)) - before
      if (answered !== result.sent)
        throw new Error(`the sink answered ${answered} requests, the million client counted ${result.sent}`)
      output.million = { ...result, protocol }
      reportMillion(output.million)
    }
  } finally {
    proc.kill()
  }
  if (args.only !== undefined || args.profile !== undefined) {
    console.log('\n(--only or --profile: a partial or profiled run, bench/results/webpush.json left as it was)')
    return
  }
  // A part skipped in this run keeps its figures from the previous file, marked with their date.
  const previous = readPrevious()
  for (const part of ['pipeline', 'million'])
    if (output[part] === undefined && previous?.[part] !== undefined)
      output[part] = { ...previous[part], carriedOverFrom: previous[part].carriedOverFrom ?? previous.date }
  console.log(`\nwrote ${save('webpush', output)}`)
}

/** The last bench/results/webpush.json, if any. */
function readPrevious() {
  try {
    return JSON.parse(readFileSync(join(here, 'results', 'webpush.json'), 'utf8'))
  } catch {
    return undefined
  }
}

/** The protocol of the faster default @wp/webpush row of part 1, averaged over the concurrencies (h1 without part 1). */
function fasterProtocol(pipelineResult) {
  if (pipelineResult === undefined) return 'h1'
  const mean = (protocol) => {
    const rows = pipelineResult.results.filter((r) => r.library === '@wp/webpush' && r.protocol === protocol)
    return rows.length === 0 ? 0 : rows.reduce((s, r) => s + r.rate, 0) / rows.length
  }
  return mean('h2') > mean('h1') ? 'h2' : 'h1'
}

function reportPipeline(result, m) {
  console.log(
    `\nFull pipeline (encrypt aes128gcm + VAPID + send), ${PAYLOAD_SIZE}-byte payloads, ${MESSAGES} messages per round, median of ${ROUNDS} (${m.node}, ${m.cpu}, ${m.cores} cores; sink in another process on the same cores)\n`,
  )
  table(
    ['candidate', 'concurrency', 'messages/s', 'sender CPU µs/msg', 'sink CPU µs/msg', 'vs web-push', 'others (cores)'],
    result.results.map((r) => [
      r.name,
      r.concurrency,
      fmt(r.rate),
      fmt(r.cpuUs, 1),
      r.sinkCpuUs === null ? '-' : fmt(r.sinkCpuUs, 1),
      r.vsWebPush === null ? '-' : `${fmt(r.vsWebPush, 2)}x`,
      r.othersCores === null ? '-' : fmt(r.othersCores, 2),
    ]),
  )
  console.log(
    '\n(sender CPU: process.cpuUsage() of the client process, all its threads; with workers it includes theirs)',
  )
  console.log('\nTargets:')
  for (const t of result.targets)
    console.log(`  ${t.met ? 'met   ' : 'MISSED'} ${t.what}: ${fmt(t.ratio, 2)}x (target ${fmt(t.target, 1)}x)`)
}

function reportMillion(r) {
  const mb = (bytes) => fmt(bytes / 2 ** 20, 1)
  console.log(
    `\nsendMany over ${fmt(r.total)} subscriptions from a generator, ${r.payloadBytes}-byte payloads, ${r.protocol === 'h2' ? 'HTTP/2' : 'HTTP/1.1'}, default concurrency, in a process of its own\n`,
  )
  table(
    ['results', 'RSS MB', 'heap used MB', 'elapsed s', 'messages/s so far'],
    r.checkpoints.map((c) => [fmt(c.results), mb(c.rss), mb(c.heapUsed), fmt(c.ms / 1000, 1), fmt(c.rate)]),
  )
  console.log(
    `\nbefore sending: RSS ${mb(r.start.rss)} MB, heap used ${mb(r.start.heapUsed)} MB; peak RSS ${mb(r.peakRss)} MB (sampled every ${RSS_SAMPLE_MS} ms, ${r.samples} samples)`,
  )
  console.log(
    `results ${fmt(r.counted)} of ${fmt(r.total)}, all ok; ${fmt(r.rate)} messages/s; sender CPU ${fmt(r.cpuUs, 1)} µs/msg`,
  )
  console.log(
    `target: peak RSS under ${RSS_TARGET_MB} MB: ${r.peakRss < RSS_TARGET_MB * 2 ** 20 ? 'met' : 'MISSED'}; RSS from the first to the last checkpoint: ${r.rssGrowth >= 0 ? '+' : ''}${mb(r.rssGrowth)} MB`,
  )
}

// --- What both client roles share -------------------------------------------------------------------

async function setup() {
  const sink = JSON.parse(process.env.WP_BENCH_SINK)
  const origins = { h1: `https://127.0.0.1:${sink.h1}`, h2: `https://127.0.0.1:${sink.h2}` }
  const keys = []
  for (let i = 0; i < RECEIVERS; i++) {
    const k = await generateSubscriptionKeys()
    keys.push({ p256dh: base64urlEncode(k.publicKey), auth: base64urlEncode(k.auth) })
  }
  const vapidKeys = webpush.generateVAPIDKeys()
  const payloadBuffer = randomBytes(PAYLOAD_SIZE) // web-push takes a Buffer
  const payload = new Uint8Array(payloadBuffer) // ours any Uint8Array: a plain one, the same bytes
  const client = (protocol, workers) => {
    const options = {
      vapid: { privateKey: vapidKeys.privateKey, subject: SUBJECT },
      allowPrivateNetwork: [origins.h1, origins.h2],
      transport: { http2: protocol === 'h2' },
    }
    if (workers !== undefined) options.workers = workers
    return createPushClient(options)
  }
  return { sink, origins, keys, vapidKeys, payloadBuffer, payload, client }
}

// --- Part 1: the pipeline, side by side -------------------------------------------------------------

async function pipeline() {
  const env = await setup()
  const { origins, keys, vapidKeys, payloadBuffer, payload } = env
  const webpushOptions = {
    vapidDetails: { subject: SUBJECT, publicKey: vapidKeys.publicKey, privateKey: vapidKeys.privateKey },
    TTL,
  }
  let path = 0
  let sent = 0 // messages answered by the sink, warm-ups included
  /** `n` subscriptions to `origin`, each with an endpoint path never used before. */
  const subscriptions = (origin, n) => {
    const list = new Array(n)
    for (let i = 0; i < n; i++) {
      const id = path++
      list[i] = { endpoint: `${origin}/push/${id}`, keys: keys[id % RECEIVERS] }
    }
    return list
  }

  /** Runs `send(list)` over fresh subscriptions; returns the rate, CPU per message and the load. */
  const measure = async (origin, n, send) => {
    const list = subscriptions(origin, n)
    const a = cpuSnapshot(env.sink.pid)
    const { ok, failures } = await send(list)
    const b = cpuSnapshot(env.sink.pid)
    sent += ok + failures.count
    if (failures.count > 0 || ok !== n)
      throw new Error(`${failures.count} of ${n} messages did not get 201 (${ok} did); first: ${failures.first}`)
    const c = cpuBetween(a, b)
    return {
      rate: (n * 1000) / c.ms,
      cpuUs: c.ownUs / n,
      sinkCpuUs: c.otherUs === null ? null : c.otherUs / n,
      othersCores: c.othersCores,
      ms: c.ms,
    }
  }

  const describe = (error) => (error instanceof Error ? `${error.code ?? error.name}: ${error.message}` : String(error))

  const ours = (client, concurrency) => async (list) => {
    let ok = 0
    const failures = { count: 0, first: undefined }
    for await (const r of client.sendMany(list, payload, { concurrency, ttl: TTL })) {
      if (r.ok && r.response.status === 201) ok++
      else {
        failures.count++
        failures.first ??= `${r.outcome} ${describe(r.error)}`
      }
    }
    return { ok, failures }
  }

  const theirs = (concurrency) => async (list) => {
    let ok = 0
    let next = 0
    const failures = { count: 0, first: undefined }
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < list.length) {
          const subscription = list[next++]
          try {
            const r = await webpush.sendNotification(subscription, payloadBuffer, webpushOptions)
            if (r.statusCode === 201) ok++
            else {
              failures.count++
              failures.first ??= `status ${r.statusCode}`
            }
          } catch (error) {
            failures.count++
            failures.first ??= describe(error)
          }
        }
      }),
    )
    return { ok, failures }
  }

  const specs = []
  for (const protocol of ['h1', 'h2'])
    for (const workers of [undefined, 0, 'auto']) {
      const label = protocol === 'h1' ? 'HTTP/1.1' : 'HTTP/2'
      const w = workers === undefined ? '' : `, workers: ${workers === 'auto' ? "'auto'" : workers}`
      specs.push({ name: `@wp/webpush ${label}${w}`, library: '@wp/webpush', protocol, workers })
    }
  specs.push({ name: 'web-push 3.6.7 (https.globalAgent)', library: 'web-push', protocol: 'h1', workers: undefined })
  const exact = specs.some((s) => s.name === args.only)
  const kept = specs.filter(
    (s) => args.only === undefined || (exact ? s.name === args.only : s.name.includes(args.only)),
  )

  // Wait for other processes to be quiet before each round (the sink is idle then); after two minutes
  // of waiting in all, measure regardless. Load during a round is recorded, not acted on: the sink's
  // own work would count as load.
  const gate = quietGate({ quiet: 0.3, noisy: Number.POSITIVE_INFINITY, retries: 0, patienceMs: 120_000 })
  const results = []
  for (const concurrency of CONCURRENCIES) {
    const clients = new Map(
      kept.filter((s) => s.library === '@wp/webpush').map((s) => [s, env.client(s.protocol, s.workers)]),
    )
    const senders = new Map(
      kept.map((s) => [s, s.library === 'web-push' ? theirs(concurrency) : ours(clients.get(s), concurrency)]),
    )
    const originOf = (s) => origins[s.protocol]
    for (const s of kept) await measure(originOf(s), WARMUP, senders.get(s))
    const rounds = new Map(kept.map((s) => [s, []]))
    for (let r = 0; r < ROUNDS; r++) {
      await gate.waitForQuiet()
      const order = kept.map((_, i) => kept[(i + r) % kept.length])
      for (const s of order) {
        const x = await measure(originOf(s), MESSAGES, senders.get(s))
        rounds.get(s).push(x)
        console.log(
          `  c=${concurrency} round ${r + 1}/${ROUNDS} ${s.name}: ${fmt(x.rate)} msg/s, ${fmt(x.cpuUs, 1)} µs/msg`,
        )
      }
    }
    await Promise.all([...clients.values()].map((c) => c.close()))
    const reference = kept.find((s) => s.library === 'web-push')
    const ref = reference === undefined ? undefined : rounds.get(reference)
    for (const s of kept) {
      const mine = rounds.get(s)
      results.push({
        name: s.name,
        library: s.library,
        protocol: s.protocol,
        workers: s.workers ?? null,
        concurrency,
        rate: median(mine.map((x) => x.rate)),
        cpuUs: median(mine.map((x) => x.cpuUs)),
        sinkCpuUs: mine[0].sinkCpuUs === null ? null : median(mine.map((x) => x.sinkCpuUs)),
        othersCores: mine[0].othersCores === null ? null : median(mine.map((x) => x.othersCores)),
        // the ratio of each round's pair, then the median: robust to the machine's slow spells
        vsWebPush: ref === undefined ? null : median(mine.map((x, i) => x.rate / ref[i].rate)),
        rounds: mine,
      })
    }
  }

  const row = (name, concurrency) => results.find((r) => r.name === name && r.concurrency === concurrency)
  const targets = []
  for (const concurrency of CONCURRENCIES) {
    const h1 = row('@wp/webpush HTTP/1.1', concurrency)
    const h2 = row('@wp/webpush HTTP/2', concurrency)
    if (h1?.vsWebPush != null)
      targets.push({ what: `HTTP/1.1 one thread vs web-push, c=${concurrency}`, ratio: h1.vsWebPush, target: 3 })
    if (h2?.vsWebPush != null)
      targets.push({ what: `HTTP/2 one thread vs web-push, c=${concurrency}`, ratio: h2.vsWebPush, target: 2 })
    for (const [protocol, label] of [
      ['h1', 'HTTP/1.1'],
      ['h2', 'HTTP/2'],
    ]) {
      const zero = row(`@wp/webpush ${label}, workers: 0`, concurrency)
      const auto = row(`@wp/webpush ${label}, workers: 'auto'`, concurrency)
      if (zero && auto) {
        const ratio = median(auto.rounds.map((x, i) => x.rate / zero.rounds[i].rate))
        targets.push({ what: `${label} workers: 'auto' vs workers: 0, c=${concurrency}`, ratio, target: 1.6, protocol })
      }
    }
  }
  for (const t of targets) t.met = t.ratio >= t.target
  process.send({ sent, results, targets, agent: describeGlobalAgent() })
}

/** What Node's https.globalAgent, which web-push uses, does with connections. */
function describeGlobalAgent() {
  const agent = https.globalAgent
  return {
    keepAlive: agent.keepAlive ?? agent.options.keepAlive ?? false,
    idleTimeoutMs: agent.options.timeout ?? null,
    maxSockets: agent.maxSockets === Number.POSITIVE_INFINITY ? 'Infinity' : agent.maxSockets,
    maxFreeSockets: agent.maxFreeSockets,
    scheduling: agent.options.scheduling ?? null,
  }
}

// --- Part 2: a million subscriptions from a generator -------------------------------------------------

async function million() {
  const env = await setup()
  const protocol = args['million-protocol'] ?? process.env.WP_BENCH_MILLION_PROTOCOL ?? 'h1'
  const origin = env.origins[protocol]
  const client = env.client(protocol)
  const { keys } = env
  function* subscriptions(n) {
    for (let i = 0; i < n; i++) yield { endpoint: `${origin}/push/m${i}`, keys: keys[i % RECEIVERS] }
  }
  globalThis.gc?.()
  const start = process.memoryUsage()
  let peakRss = start.rss
  let samples = 0
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss()
    samples++
    if (rss > peakRss) peakRss = rss
  }, RSS_SAMPLE_MS)
  const step = Math.max(1, Math.floor(MILLION / 10))
  const checkpoints = []
  let counted = 0
  let ok = 0
  let first
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const data = MILLION_PAYLOAD === 0 ? undefined : env.payload.subarray(0, MILLION_PAYLOAD)
  for await (const r of client.sendMany(subscriptions(MILLION), data, { ttl: TTL })) {
    counted++
    if (r.ok && r.response.status === 201) ok++
    else first ??= `${r.outcome} ${r.error?.message ?? ''}`
    if (counted % step === 0 || counted === MILLION) {
      const mem = process.memoryUsage()
      const ms = performance.now() - t0
      if (mem.rss > peakRss) peakRss = mem.rss
      checkpoints.push({ results: counted, rss: mem.rss, heapUsed: mem.heapUsed, ms, rate: (counted * 1000) / ms })
      console.log(
        `  ${fmt(counted)} results: RSS ${fmt(mem.rss / 2 ** 20, 1)} MB, heap used ${fmt(mem.heapUsed / 2 ** 20, 1)} MB, ${fmt(ms / 1000, 1)} s`,
      )
    }
  }
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  clearInterval(timer)
  await client.close()
  if (counted !== MILLION) throw new Error(`${counted} results for ${MILLION} subscriptions`)
  if (ok !== MILLION) throw new Error(`${MILLION - ok} of ${MILLION} results were not ok; first: ${first}`)
  const firstCheckpoint = checkpoints[0]
  const last = checkpoints[checkpoints.length - 1]
  process.send({
    sent: counted,
    total: MILLION,
    counted,
    ok,
    payloadBytes: MILLION_PAYLOAD,
    ms,
    rate: (MILLION * 1000) / ms,
    cpuUs: (cpu.user + cpu.system) / MILLION,
    start: { rss: start.rss, heapUsed: start.heapUsed },
    peakRss,
    samples,
    rssGrowth: last.rss - firstCheckpoint.rss,
    checkpoints,
  })
}
