#!/usr/bin/env node
// Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, and the
// files (packages) that time falls in.
//   node bench/lib/cpuprofile.mjs FILE.cpuprofile [--top n]
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values: args, positionals } = parseArgs({
  options: { top: { type: 'string', default: '30' } },
  allowPositionals: true,
})
if (positionals.length !== 1) {
  console.error('usage: node bench/lib/cpuprofile.mjs FILE.cpuprofile [--top n]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'))
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map()
// each sample is one node; the time to the next sample is its self time
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i])
  self.set(node, (self.get(node) ?? 0) + (profile.timeDeltas[i + 1] ?? 0))
}
const total = [...self.values()].reduce((a, b) => a + b, 0)

/** Where a frame comes from, shortened to the package or node: module. */
function place(url) {
  if (url === '') return '(native)'
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]
  const ours = /packages\/([^/]+)\//.exec(url)
  if (ours) return `@wp/${ours[1]}`
  return url.replace(/^file:\/\/.*\//, '')
}

const byFunction = new Map()
const byPlace = new Map()
for (const [node, us] of self) {
  const f = node.callFrame
  const key = `${f.functionName || '(anonymous)'}  ${place(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + us)
  byPlace.set(place(f.url), (byPlace.get(place(f.url)) ?? 0) + us)
}
const pct = (us) => `${((us * 100) / total).toFixed(1).padStart(5)}%`
console.log(`${(total / 1e6).toFixed(2)} s sampled\n\nself time by function:`)
for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top)))
  console.log(`${pct(us)} ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
console.log('\nself time by package:')
for (const [k, us] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 15))
  console.log(`${pct(us)} ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
