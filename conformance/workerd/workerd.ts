/**
 * Runs ES module workers in workerd (Cloudflare Workers' runtime, the npm `workerd` binary), offline,
 * each on its own socket on 127.0.0.1 with a loopback-only outbound network. The code is serve.mjs
 * (plain JavaScript, which `bench/runtimes.mjs` imports too); this module gives it to TypeScript.
 */
export {
  compatibilityDate,
  startWorkerd,
  type Workerd,
  type WorkerSpec,
  workerdBinary,
  workerdVersion,
} from './serve.mjs'
