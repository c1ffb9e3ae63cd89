// Shared by the benches: timing loops, quiet-machine checks and output.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { median, quantile, slice } from './loop.mjs'

const here = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Runs `fn` (async, one call at a time) for `ms` milliseconds; returns calls per second. */
export async function rate(fn, ms) {
  let count = 0
  const start = performance.now()
  const end = start + ms
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) await fn()
    count += 16
  }
  return (count * 1000) / (performance.now() - start)
}

/** Runs `run` back to back, each call awaited, for `ms` milliseconds; the rate, this process's CPU share and the last result. */
export async function timed(run, ms) {
  const cpu0 = process.cpuUsage()
  const result = await slice(run, ms)
  const cpu = process.cpuUsage(cpu0)
  return { ...result, cpu: (cpu.user + cpu.system) / 1000 / result.elapsed }
}

export { median, quantile }

/** A command-line value that must be a positive integer. */
export function positiveInteger(text, name) {
  const n = Number(text)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${text}`)
  return n
}

/**
 * Runs every candidate for `ms`, `rounds` times, interleaved with a rotating order, after a warm-up;
 * returns `{ name: medianRate }` and every round.
 */
export async function compare(candidates, { ms, rounds, warmupMs }) {
  const names = Object.keys(candidates)
  for (const name of names) await rate(candidates[name], warmupMs)
  const seen = Object.fromEntries(names.map((n) => [n, []]))
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length])
    for (const name of order) seen[name].push(await rate(candidates[name], ms))
  }
  return { rates: Object.fromEntries(names.map((n) => [n, median(seen[n])])), rounds: seen }
}

export function machine() {
  return {
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model.trim(),
    cores: cpus().length,
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
  }
}

export function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

/** Prints rows as an aligned table: the first column to the left, the others to the right. */
export function table(header, rows, gap = '  ') {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(gap)
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows) console.log(line(row))
}

/** Writes `data` to bench/results/NAME.json and returns the file's path. */
export function save(name, data) {
  mkdirSync(join(here, 'results'), { recursive: true })
  const file = join(here, 'results', `${name}.json`)
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`)
  return file
}
