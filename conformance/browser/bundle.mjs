// A script bundled with esbuild for `platform: 'browser'` (ESM, split: what is loaded on demand is a
// chunk of its own), kept in memory. Plain JavaScript (typed by bundle.d.mts) so that plain Node
// imports it too: `bench/runtimes.mjs` bundles its browser bench through it.
import { dirname, join, relative } from 'node:path'
import { build } from 'esbuild'

/**
 * The bundle of `entry` by URL path: `/<entry's name>.js` and its chunks.
 * @param {string} entry the entry module's path
 * @returns {Promise<Map<string, Uint8Array>>}
 */
export async function bundleForBrowser(entry) {
  // Nothing is written: the directory only names the files (`out/` beside the entry).
  const outdir = join(dirname(entry), 'out')
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir,
    logLevel: 'silent',
  })
  const files = new Map()
  for (const file of result.outputFiles)
    files.set(`/${relative(outdir, file.path).split('\\').join('/')}`, file.contents)
  return files
}
