#!/usr/bin/env node
// Every crypto backend of @wp/ece in every JavaScript runtime installed here: runs
// bench/lib/backend-bench.mjs in Node, Deno and Bun (one after the other, each in its own process,
// against the BUILT packages as that runtime resolves them), and prints, per runtime and operation,
// the ops/s of each backend with the runtime's default marked `*` and the fastest `+`.
// Operations: `encryptWebPush` of 3072 bytes (aes128gcm) and a VAPID token (@wp/vapid, a fresh
// signature per call). Browsers and workerd are not measured here.
//
//   node bench/runtimes.mjs [--time ms] [--rounds n] [--warmup ms] [--only node,deno,bun]
// Writes bench/results/runtimes.json (every slice included).
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { machine, positiveInteger, save } from './lib/measure.mjs'

const { values: args } = parseArgs({
  options: {
    time: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '9' },
    warmup: { type: 'string', default: '800' },
    only: { type: 'string', default: 'node,deno,bun' },
  },
})
const TIME = positiveInteger(args.time, '--time')
const ROUNDS = positiveInteger(args.rounds, '--rounds')
const WARMUP = positiveInteger(args.warmup, '--warmup')

const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url))
const script = fileURLToPath(new URL('lib/backend-bench.mjs', import.meta.url))
const RUNTIMES = {
  node: [process.execPath, []],
  deno: [bin('deno'), ['run', '--allow-read', '--allow-env']],
  bun: [bin('bun'), []],
}

/** Runs the backend bench in one runtime; its `BACKENDS` report. */
function run(name) {
  const [command, flags] = RUNTIMES[name]
  if (command === undefined) throw new Error(`--only: unknown runtime ${name}`)
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

const reports = []
for (const name of args.only.split(',')) {
  process.stderr.write(`${name}...\n`)
  reports.push(await run(name))
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
