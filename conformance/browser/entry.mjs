// The conformance suite in a page: `window.runConformance(subscription, text)` runs every check of
// suite.mjs and resolves to the lines it printed (the runtime and crypto backends first, the
// `CONFORMANCE {json}` line last) and the browser's user agent. Bundled by server.ts with esbuild
// for `platform: 'browser'` from the BUILT packages.
import { runChecks } from '../suite.mjs'

globalThis.runConformance = async (subscription, text) => {
  const lines = []
  await runChecks(subscription, text, {
    log: (line) => {
      lines.push(line)
      console.log(line)
    },
  })
  return { lines, userAgent: navigator.userAgent }
}
