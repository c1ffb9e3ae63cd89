#!/usr/bin/env node
// Every crypto backend of @wp/ece in every JavaScript runtime installed here: runs
// bench/lib/backend-bench.mjs in Node, Deno and Bun (each in its own process, against the BUILT
// packages as that runtime resolves them), in headless Chromium and Firefox ESR (bundled with esbuild
// for the browser, served from 127.0.0.1) and in workerd (bundled under its export conditions), one
// runtime after the other, and prints, per runtime and operation, the ops/s of each backend with the
// runtime's default marked `*` and the fastest `+`.
// Operations: `encryptWebPush` of 3072 bytes (aes128gcm) and a VAPID token (@wp/vapid, a fresh
// signature per call).
//
//   node bench/runtimes.mjs [--time ms] [--rounds n] [--warmup ms] [--only node,deno,bun,chromium,firefox,workerd]
// Writes bench/results/runtimes.json (every slice included).
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { bundleForBrowser } from '../conformance/browser/bundle.mjs'
import { launchBrowser } from '../conformance/browser/launch.mjs'
import { servePage } from '../conformance/browser/page-server.mjs'
import { startWorkerd, workerdVersion } from '../conformance/workerd/serve.mjs'
import { machine, median, positiveInteger, save } from './lib/measure.mjs'

const ALL = ['node', 'deno', 'bun', 'chromium', 'firefox', 'workerd']
const { values: args } = parseArgs({
  options: {
    time: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '9' },
    warmup: { type: 'string', default: '800' },
    only: { type: 'string', default: ALL.join(',') },
  },
})
const TIME = positiveInteger(args.time, '--time')
const ROUNDS = positiveInteger(args.rounds, '--rounds')
const WARMUP = positiveInteger(args.warmup, '--warmup')
const only = args.only.split(',')
for (const name of only) if (!ALL.includes(name)) throw new Error(`--only: unknown runtime ${name} (${ALL.join(', ')})`)

const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url))
const lib = (file) => fileURLToPath(new URL(`lib/${file}`, import.meta.url))
const script = lib('backend-bench.mjs')

/** Runs the backend bench as a script of `command`; its `BACKENDS` report. */
function runScript(name, command, flags) {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...flags, script, String(TIME), String(ROUNDS), String(WARMUP)],
      { env: { ...process.env, NO_COLOR: '1' }, timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('BACKENDS '))
        if (line === undefined) reject(new Error(`${name}: no report\n${error ?? ''}\n${stderr}`))
        else resolve(JSON.parse(line.slice('BACKENDS '.length)))
      },
    )
  })
}

/**
 * Runs the backend bench in a headless browser: bundled for the browser from the BUILT packages (split,
 * so the pure-JS backend is a chunk loaded on demand, as in a user's bundle), served from 127.0.0.1 and
 * timed in the page with `performance.now()` (coarsened there to 0.1 to 1 ms: nothing next to a 400 ms slice).
 */
async function runInBrowser(name) {
  const files = await bundleForBrowser(lib('backend-bench.page.mjs'))
  const html = '<!doctype html><meta charset="utf-8"><title>backends</title><link rel="icon" href="data:,">'
  const site = await servePage(
    new TextEncoder().encode(`${html}<script type="module" src="/backend-bench.page.js"></script>`),
    files,
  )
  try {
    const launched = await launchBrowser(name)
    try {
      const page = await launched.browser.newPage()
      const errors = []
      page.on('pageerror', (error) => errors.push(String(error)))
      await page.goto(site.url, { waitUntil: 'load', timeout: 15_000 })
      await page.waitForFunction(() => typeof globalThis.measureBackends === 'function', { timeout: 10_000 })
      const report = await page.evaluate((options) => globalThis.measureBackends(options), {
        timeMs: TIME,
        rounds: ROUNDS,
        warmupMs: WARMUP,
      })
      if (errors.length > 0) throw new Error(`${name}: ${errors.join('; ')}`)
      // The browser's own version: the user agent's is reduced (Chrome/156.0.0.0).
      return { ...report, version: (await launched.browser.version()).split('/').pop() }
    } finally {
      await launched.close()
    }
  } finally {
    await site.close()
  }
}

/**
 * Runs the backend bench in workerd. Its clocks stand still while a Worker computes (they advance
 * only across I/O, a Spectre mitigation), so the Worker cannot time itself: each request runs a FIXED
 * number of operations (bench/lib/backend-bench.worker.mjs) and Node times the request with its own
 * clock, less the median round trip of a request that runs none. The count per slice comes from the
 * warm-up (operations that fit in `--time` at the warm-up's rate), so a slice lasts about as long as
 * elsewhere, and the round trip (well under a millisecond on loopback) is a small share of it.
 */
async function runInWorkerd() {
  const workerd = await startWorkerd({ bench: { entry: lib('backend-bench.worker.mjs') } }, { timeoutMs: 60_000 })
  const get = async (path) => {
    const response = await fetch(new URL(path, workerd.urls.bench), { signal: AbortSignal.timeout(5 * 60_000) })
    const body = await response.text()
    if (response.status !== 200) throw new Error(`workerd ${path}: ${response.status} ${body}\n${workerd.output()}`)
    return body
  }
  /** Milliseconds that `count` runs of candidate `i` took, round trip included. */
  const timedRun = async (i, count) => {
    const start = performance.now()
    await get(`/run?candidate=${i}&count=${count}`)
    return performance.now() - start
  }
  try {
    const prepared = JSON.parse(await get('/prepare'))
    const { candidates } = prepared
    const trips = []
    for (let i = 0; i < 21; i++) trips.push(await timedRun(0, 0))
    const roundTrip = median(trips)
    // Warm-up: doubling counts until `--warmup` has passed; the rate of the last request sets the count.
    const counts = []
    for (let i = 0; i < candidates.length; i++) {
      let count = 1
      let spent = 0
      let ms = 0
      while (spent < WARMUP) {
        ms = await timedRun(i, count)
        spent += ms
        if (ms < WARMUP / 4) count *= 2
      }
      counts.push(Math.max(1, Math.round((count * TIME) / Math.max(ms - roundTrip, 1))))
    }
    const slices = candidates.map(() => [])
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < candidates.length; i++) {
        const at = (i + round) % candidates.length
        const ms = await timedRun(at, counts[at])
        slices[at].push((counts[at] * 1000) / Math.max(ms - roundTrip, 1))
      }
    }
    const results = { encrypt: {}, sign: {} }
    candidates.forEach((candidate, i) => {
      results[candidate.operation][candidate.backend] = {
        ops: Math.round(median(slices[i])),
        slices: slices[i].map(Math.round),
        count: counts[i],
      }
    })
    const { runtime, defaults, backends } = prepared
    return { runtime, version: workerdVersion, defaults, backends, roundTripMs: Number(roundTrip.toFixed(3)), results }
  } finally {
    await workerd.close()
  }
}

const RUNTIMES = {
  node: () => runScript('node', process.execPath, []),
  deno: () => runScript('deno', bin('deno'), ['run', '--allow-read', '--allow-env']),
  bun: () => runScript('bun', bin('bun'), []),
  chromium: () => runInBrowser('chromium'),
  firefox: () => runInBrowser('firefox'),
  workerd: () => runInWorkerd(),
}

const reports = []
for (const name of only) {
  process.stderr.write(`${name}...\n`)
  reports.push(await RUNTIMES[name]())
}

const BACKENDS = ['node', 'webcrypto', 'noble']
const rows = []
for (const report of reports) {
  for (const operation of ['encrypt', 'sign']) {
    const results = report.results[operation]
    const fastest = Object.entries(results).sort((a, b) => b[1].ops - a[1].ops)[0][0]
    const defaultFor = report.defaults[operation]
    const cells = BACKENDS.map((b) =>
      results[b] === undefined
        ? '—'
        : `${results[b].ops.toLocaleString('en-US')}${b === defaultFor ? ' *' : ''}${b === fastest ? ' +' : ''}`,
    )
    rows.push([`${report.runtime} ${report.version}`, operation, ...cells])
  }
}
const header = ['runtime', 'operation', ...BACKENDS]
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
console.log(line(header))
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`)
for (const row of rows) console.log(line(row))
console.log('ops/s, median of slices; * the default, + the fastest')

save('runtimes', {
  command: `node bench/runtimes.mjs --time ${TIME} --rounds ${ROUNDS} --warmup ${WARMUP} --only ${args.only}`,
  machine: machine(),
  payloadBytes: 3072,
  reports,
})
