// The backend bench in a page: `window.measureBackends(options)` resolves to the `BACKENDS` report of
// this browser. bench/runtimes.mjs bundles it with esbuild for `platform: 'browser'` (ESM, split: the
// pure-JS backend is a chunk loaded on demand, as in a user's bundle) from the BUILT packages.
import { measureBackends } from './backend-bench.mjs'

globalThis.measureBackends = measureBackends
