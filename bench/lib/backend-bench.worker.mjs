// The backend bench as a Worker (an ES module worker for workerd). workerd's clocks (`Date.now()`,
// `performance.now()`) stand still while code runs and advance only across I/O (a Spectre
// mitigation), so a time-sliced loop here would never end and could not time anything. Instead the
// caller (bench/runtimes.mjs, in Node) asks for a FIXED number of operations per request and times
// each request from outside with its own clock, less the round trip of a request that runs none:
//
//   GET /prepare                      the runtime, its defaults, its backends and the candidates (JSON)
//   GET /run?candidate=<i>&count=<n>  runs candidate i n times back to back, checks the last result
//
// Bundled by conformance/workerd/serve.mjs under the workerd/worker/browser export conditions.
import { prepareBackends, runCount } from './backend-bench.mjs'

/** The candidates, prepared on the first request (crypto is not available at a Worker's top level). */
let prepared

export default {
  /** @param {Request} request */
  async fetch(request) {
    const url = new URL(request.url)
    if (url.pathname !== '/prepare' && url.pathname !== '/run')
      // The readiness probe of serve.mjs, and anything else.
      return new Response('GET /prepare or /run?candidate=<i>&count=<n>\n', { status: 404 })
    prepared ??= prepareBackends()
    const { runtime, version, defaults, backends, candidates } = await prepared
    if (url.pathname === '/prepare') {
      const list = candidates.map(({ operation, backend }) => ({ operation, backend }))
      return Response.json({ runtime, version, defaults, backends, candidates: list })
    }
    const candidate = candidates[Number(url.searchParams.get('candidate'))]
    const count = Number(url.searchParams.get('count'))
    if (candidate === undefined || !Number.isInteger(count) || count < 0 || count > 1_000_000)
      return new Response('candidate: expected an index of /prepare; count: expected 0 to 1000000\n', {
        status: 400,
      })
    try {
      await runCount(candidate, count)
    } catch (error) {
      return new Response(`${error?.stack ?? error}\n`, { status: 500 })
    }
    return new Response('ok\n')
  },
}
