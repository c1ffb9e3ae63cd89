#!/usr/bin/env node
// Browser bundle sizes of the typical imports of @wp/ece, @wp/vapid and @wp/webpush, bundled from
// the BUILT packages (dist, as a user's bundler sees them: no `@wp/source` condition) with esbuild,
// minified, for a browser and for a Worker (workerd's conditions). Prints a table of the minified
// and gzipped sizes and exits 1 when a bundle does not build, when `encryptWebPush` from @wp/ece
// exceeds its gzip budget, or when a bundle that does not ask for the pure-JS (noble) backend
// contains noble code. Bundles are split (ESM, `splitting`): a chunk loaded only through a dynamic
// `import()` is reported apart and does not count towards the size of the initial load.
//
//   node scripts/bundle-size.mjs            check and print the table
//   node scripts/bundle-size.mjs --markdown print the table as markdown (for the README)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// @wp/webpush depends on every package measured here, so its node_modules resolves all of them.
const resolveDir = join(root, 'packages', 'webpush')

/** The budget of the initial load of `encryptWebPush`, gzipped. */
const ECE_BUDGET_GZIP = 12 * 1024

/** The typical imports. `noble: true` marks one that asks for the pure-JS backend. */
const cases = [
  {
    name: '@wp/ece encryptWebPush',
    source: `import { encryptWebPush } from '@wp/ece'\nexport { encryptWebPush }\n`,
    budget: ECE_BUDGET_GZIP,
  },
  {
    name: '@wp/vapid importVapidKey, vapidHeaders',
    source: `import { importVapidKey, vapidHeaders } from '@wp/vapid'\nexport { importVapidKey, vapidHeaders }\n`,
  },
  {
    name: '@wp/webpush webpush over fetch',
    source: [
      `import { webpush } from '@wp/webpush'`,
      `import { createTransport } from '@wp/transport'`,
      `const transport = createTransport({ fetch: (...args) => globalThis.fetch(...args) })`,
      `export const send = (subscription, data, options) => webpush(subscription, data, { ...options, transport })`,
      '',
    ].join('\n'),
  },
]

const targets = [
  { name: 'browser', platform: 'browser', conditions: [] },
  {
    name: 'workerd',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
  },
]

/** True for a module path inside one of the @noble packages. */
const isNoble = (path) => /(^|[/\\])@noble[/\\]/.test(path)

const out = mkdtempSync(join(tmpdir(), 'wp-bundle-size-'))
const rows = []
const failures = []
try {
  for (const target of targets) {
    for (const [i, c] of cases.entries()) {
      const outdir = join(out, `${target.name}-${i}`)
      let result
      try {
        result = await build({
          stdin: { contents: c.source, resolveDir, loader: 'js', sourcefile: 'entry.js' },
          bundle: true,
          splitting: true,
          format: 'esm',
          minify: true,
          write: false,
          metafile: true,
          outdir,
          platform: target.platform,
          conditions: target.conditions,
          ...(target.mainFields ? { mainFields: target.mainFields } : {}),
          target: 'es2022',
          logLevel: 'silent',
        })
      } catch (error) {
        const messages = error.errors?.map((e) => `${e.location?.file ?? ''}: ${e.text}`).join('; ') ?? String(error)
        failures.push(`${c.name} (${target.name}) does not build: ${messages}`)
        rows.push({ target: target.name, name: c.name, min: NaN, gzip: NaN, lazy: NaN, noble: '-' })
        continue
      }
      // The initial load: the entry chunk and the chunks it imports statically, transitively; what
      // only a dynamic `import()` reaches is lazy.
      const outputs = result.metafile.outputs
      const initial = new Set()
      // esbuild marks the target of a dynamic `import()` as an entry point too: the entry is the one
      // no other chunk imports.
      const imported = new Set(Object.values(outputs).flatMap((o) => o.imports.map((i) => i.path)))
      const pending = Object.keys(outputs).filter((k) => outputs[k].entryPoint !== undefined && !imported.has(k))
      while (pending.length > 0) {
        const key = pending.pop()
        if (initial.has(key)) continue
        initial.add(key)
        for (const imported of outputs[key].imports)
          if (imported.kind === 'import-statement' && outputs[imported.path] !== undefined) pending.push(imported.path)
      }
      let min = 0
      let gzip = 0
      let lazy = 0
      let initialNoble = false
      let anyNoble = false
      for (const [key, meta] of Object.entries(outputs)) {
        if (!key.endsWith('.js')) continue
        const file = result.outputFiles.find((f) => f.path === resolve(key))
        const noble = Object.keys(meta.inputs).some(isNoble)
        anyNoble ||= noble
        if (initial.has(key)) {
          initialNoble ||= noble
          min += file.contents.length
          gzip += gzipSync(file.contents, { level: 9 }).length
        } else lazy += file.contents.length
      }
      const noble = initialNoble ? 'initial' : anyNoble ? 'lazy' : 'none'
      rows.push({ target: target.name, name: c.name, min, gzip, lazy, noble })
      if (c.budget !== undefined && gzip > c.budget)
        failures.push(`${c.name} (${target.name}) is ${kb(gzip)} gzipped, over its budget of ${kb(c.budget)}`)
      if (initialNoble && !c.noble)
        failures.push(`${c.name} (${target.name}) loads noble code without importing the noble backend`)
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true })
}

function kb(n) {
  return Number.isNaN(n) ? 'error' : `${(n / 1024).toFixed(1)} KB`
}

const header = ['target', 'import', 'min', 'gzip', 'lazy chunks (min)', 'noble']
const table = rows.map((r) => [r.target, r.name, kb(r.min), kb(r.gzip), r.lazy > 0 ? kb(r.lazy) : '-', r.noble])
if (process.argv.includes('--markdown')) {
  console.log(`| ${header.join(' | ')} |`)
  console.log(`| ${header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`)
  for (const row of table) console.log(`| ${row.join(' | ')} |`)
} else {
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)))
  const line = (r) => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')
  console.log(line(header))
  for (const row of table) console.log(line(row))
}
if (failures.length > 0) {
  for (const f of failures) console.error(`bundle-size: ${f}`)
  process.exit(1)
}
