// Every crypto backend of @wp/ece in the runtime that runs this file: `encryptWebPush` of a 3072-byte
// payload (aes128gcm, a fresh sender key and salt per message) and a VAPID token of @wp/vapid (a fresh
// signature per call, the key imported once). Runtime-neutral: it uses only what every runtime has
// (performance.now, crypto.getRandomValues) and imports the BUILT packages as the runtime resolves
// them, so each runtime gets its own default backend, as a user's code would. Node, Deno and Bun run
// it as a script; bench/runtimes.mjs bundles it for a page (Chromium, Firefox) and for workerd.
//
// Method: each candidate (operation x backend) is warmed up, then run in slices of fixed time,
// `rounds` rounds, interleaved with the order rotating each round; its rate is the median of its
// slices. Every slice's last result is checked outside the timed window (the message decrypts, the
// token verifies), so a broken path cannot be timed. Where the runtime's clock does not advance while
// code runs (workerd), `prepareBackends()` and `runCount()` let the caller time a fixed count instead.
//
//   node bench/lib/backend-bench.mjs [timeMs] [rounds] [warmupMs]
//   deno run --allow-read --allow-env bench/lib/backend-bench.mjs ...
//   bun bench/lib/backend-bench.mjs ...
// Prints one line `BACKENDS {json}`: the runtime, its version, the default backend per operation, and per
// operation and backend the median ops/s and every slice. bench/runtimes.mjs runs it in each runtime.
import {
  availableBackends,
  base64urlEncode,
  decryptWebPush,
  encryptWebPush,
  generateSubscriptionKeys,
  getBackend,
  loadBackend,
  useBackend,
} from '@wp/ece'
import { generateVapidKeys, importVapidKey, signVapidToken, verifyVapidToken } from '@wp/vapid'
import { median, slice } from './loop.mjs'

const PAYLOAD_SIZE = 3072
const AUDIENCE = 'https://push.example.net'
const SUBJECT = 'mailto:bench@example.com'

/** The runtime running this file, and its version (workerd reports none: the caller knows its release). */
export function currentRuntime() {
  const agent = globalThis.navigator?.userAgent ?? ''
  if (globalThis.Deno !== undefined) return { name: 'deno', version: globalThis.Deno.version.deno }
  if (globalThis.Bun !== undefined) return { name: 'bun', version: globalThis.Bun.version }
  // workerd before Node: with `nodejs_compat` it has a `process` global too.
  if (agent === 'Cloudflare-Workers') return { name: 'workerd', version: '' }
  if (globalThis.process?.versions?.node !== undefined)
    return { name: 'node', version: globalThis.process.versions.node }
  const firefox = /Firefox\/([\d.]+)/.exec(agent)
  if (firefox) return { name: 'firefox', version: firefox[1] }
  const chromium = /Chrom(?:e|ium)\/([\d.]+)/.exec(agent)
  if (chromium) return { name: 'chromium', version: chromium[1] }
  return { name: 'unknown', version: '' }
}

/**
 * Everything to measure in this runtime: its defaults before anything is chosen (per operation where
 * the runtime prefers different ones), its backends (all loaded), and one candidate per operation
 * and backend, each with `run()` (one operation), `check(last)` (throws when the result is wrong) and
 * for signing `before()` (makes its backend the current one: signing runs on the current backend).
 */
export async function prepareBackends() {
  const runtime = currentRuntime()
  const defaults = { encrypt: getBackend('encrypt').name, sign: getBackend('sign').name }
  const backends = availableBackends()
  for (const name of backends) await loadBackend(name)

  const receiver = await generateSubscriptionKeys()
  const subscription = { p256dh: base64urlEncode(receiver.publicKey), auth: base64urlEncode(receiver.auth) }
  const payload = crypto.getRandomValues(new Uint8Array(PAYLOAD_SIZE))
  const vapid = await generateVapidKeys()
  const key = await importVapidKey(vapid.privateKey)

  const candidates = []
  for (const name of backends) {
    candidates.push({
      operation: 'encrypt',
      backend: name,
      run: () => encryptWebPush(payload, subscription, { backend: name }),
      async check(message) {
        const plain = await decryptWebPush(message.body, receiver)
        if (
          plain.length !== PAYLOAD_SIZE ||
          plain[0] !== payload[0] ||
          plain[PAYLOAD_SIZE - 1] !== payload[PAYLOAD_SIZE - 1]
        )
          throw new Error(`encrypt on ${name}: the message does not decrypt to the payload`)
      },
    })
    candidates.push({
      operation: 'sign',
      backend: name,
      // Signing runs on the current backend: each sign slice makes it `name` (encryption names its own).
      before: () => useBackend(name),
      run: () => signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT }),
      async check(token) {
        const claims = await verifyVapidToken(token, key.applicationServerKey, { audience: AUDIENCE })
        if (claims.sub !== SUBJECT) throw new Error(`sign on ${name}: the token does not verify`)
      },
    })
  }
  return { runtime: runtime.name, version: runtime.version, defaults, backends, candidates }
}

/** Runs `candidate` `count` times back to back, each call awaited, then checks the last result. */
export async function runCount(candidate, count) {
  candidate.before?.()
  let last
  for (let i = 0; i < count; i++) last = await candidate.run()
  if (count > 0) await candidate.check(last)
}

/** The report of `prepared`'s candidates from each one's `slices` (ops/s): the median rate per operation and backend. */
export function report(prepared, slices) {
  const results = { encrypt: {}, sign: {} }
  prepared.candidates.forEach((candidate, i) => {
    results[candidate.operation][candidate.backend] = {
      ops: Math.round(median(slices[i])),
      slices: slices[i].map(Math.round),
    }
  })
  const { runtime, version, defaults, backends } = prepared
  return { runtime, version, defaults, backends, results }
}

/**
 * Measures every backend this runtime has, for encryption and for signing, timing slices with
 * `performance.now()` (which must advance while code runs: not so in workerd).
 * @returns `{ runtime, version, defaults, backends, results: { encrypt: { name: { ops, slices } }, sign: ... } }`
 */
export async function measureBackends({ timeMs = 400, rounds = 9, warmupMs = 800 } = {}) {
  const prepared = await prepareBackends()
  const { candidates } = prepared
  const runOne = async (candidate, ms) => {
    candidate.before?.()
    const { rate, last } = await slice(candidate.run, ms)
    await candidate.check(last)
    return rate
  }
  for (const candidate of candidates) await runOne(candidate, warmupMs)
  const slices = candidates.map(() => [])
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < candidates.length; i++) {
      const at = (i + round) % candidates.length
      slices[at].push(await runOne(candidates[at], timeMs))
    }
  }
  return report(prepared, slices)
}

/** The command-line arguments in any runtime. */
function args() {
  if (globalThis.Deno !== undefined) return globalThis.Deno.args
  return globalThis.process.argv.slice(2)
}

// Only as a script of a runtime with a command line: a Worker's bundle sets `import.meta.main` too.
const cli = ['node', 'deno', 'bun'].includes(currentRuntime().name)
const main =
  cli &&
  (import.meta.main ??
    (globalThis.process?.argv?.[1] !== undefined &&
      new URL(import.meta.url).pathname === globalThis.process.argv[1].replaceAll('\\', '/')))
if (main) {
  const [timeMs, rounds, warmupMs] = args().map(Number)
  const report = await measureBackends({
    timeMs: timeMs || undefined,
    rounds: rounds || undefined,
    warmupMs: warmupMs || undefined,
  })
  console.log(`BACKENDS ${JSON.stringify(report)}`)
}
