#!/usr/bin/env node
// Runs the benchmarks in bench/, one after another, each in its own Node process (so one cannot warm
// up or slow down the next). `pnpm bench` builds the packages first; the benches use the built ones.
//   node bench/run.mjs              every bench (every *.mjs here but this file)
//   node bench/run.mjs ece [...]    only the named ones; arguments after `--` go to each bench
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const self = basename(fileURLToPath(import.meta.url))
const all = readdirSync(here)
  .filter((file) => file.endsWith('.mjs') && file !== self)
  .map((file) => file.slice(0, -'.mjs'.length))
  .sort()

const argv = process.argv.slice(2)
const dash = argv.indexOf('--')
const names = dash < 0 ? argv : argv.slice(0, dash)
const passThrough = dash < 0 ? [] : argv.slice(dash + 1)

const unknown = names.filter((name) => !all.includes(name))
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')} (available: ${all.join(', ')})`)
  process.exit(2)
}

const failed = []
for (const name of names.length > 0 ? names : all) {
  console.log(`\n=== bench ${name} ===`)
  const { status, signal } = spawnSync(process.execPath, [join(here, `${name}.mjs`), ...passThrough], {
    cwd: here,
    stdio: 'inherit',
  })
  if (status !== 0) failed.push(`${name} (${signal ?? `exit ${status}`})`)
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`)
  process.exit(1)
}
