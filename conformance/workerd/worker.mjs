// The conformance suite as a Worker (an ES module worker for workerd): POST a JSON body
// `{ "subscription": {...}, "text": "..." }` and the response is the suite's output, one line per
// check, the runtime and crypto backends first and the `CONFORMANCE {json}` line last.
// `workerd.ts` bundles it with esbuild under the workerd/worker/browser export conditions.
import { runChecks } from '../suite.mjs'

export default {
  /** @param {Request} request */
  async fetch(request) {
    if (request.method !== 'POST') {
      return new Response('POST {"subscription": {...}, "text": "..."}\n', { status: 405, headers: { allow: 'POST' } })
    }
    const { subscription, text } = await request.json()
    const lines = []
    await runChecks(subscription, text, { log: (line) => lines.push(line) })
    return new Response(`${lines.join('\n')}\n`, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
  },
}
