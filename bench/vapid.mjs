#!/usr/bin/env node
// VAPID headers per second: @wp/vapid uncached (a key imported once, a fresh token signed every call),
// cached (VapidSigner: one token per push service, reused) and a cold import-and-sign per call, side
// by side in one process with web-push's getVapidHeaders (which re-parses its key for every token).
// One call at a time (one core). Each candidate's output is verified first (ours by web-push's own
// check of the header shape and our verifier; web-push's by our verifier), so nothing broken is timed.
//   node bench/vapid.mjs [--time ms] [--rounds n]
// Prints a table and writes bench/results/vapid.json.
import { parseArgs } from 'node:util'
import { generateVapidKeys, importVapidKey, VapidSigner, vapidHeaders, verifyVapidToken } from '@wp/vapid'
import webpush from 'web-push'
import { compare, fmt, machine, save, table } from './lib/measure.mjs'

const { values: args } = parseArgs({
  options: { time: { type: 'string', default: '1500' }, rounds: { type: 'string', default: '5' } },
})
const ms = Number(args.time)
const rounds = Number(args.rounds)

const endpoint = 'https://fcm.googleapis.com/fcm/send/cSEJGmI_x2s:APA91bHzZ'
const audience = 'https://fcm.googleapis.com'
const subject = 'mailto:ops@example.com'
const keys = await generateVapidKeys()
const key = await importVapidKey(keys.privateKey)
const signer = new VapidSigner({ key, subject })
const exp = () => Math.floor(Date.now() / 1000) + 12 * 3600

const candidates = {
  'web-push getVapidHeaders': () =>
    webpush.getVapidHeaders(audience, subject, keys.publicKey, keys.privateKey, 'aes128gcm', exp()),
  '@wp/vapid uncached (vapidHeaders, key imported once)': () => vapidHeaders({ key, endpoint, subject }),
  '@wp/vapid cached (VapidSigner)': () => signer.headers(endpoint),
  '@wp/vapid cold (import + sign per call)': () => vapidHeaders({ key: keys.privateKey, endpoint, subject }),
}

// Verify every candidate's output once.
const tokenOf = (headers) => /t=([^,]+)/.exec(headers.Authorization)?.[1]
for (const [name, fn] of Object.entries(candidates)) {
  const headers = await fn()
  const claims = await verifyVapidToken(tokenOf(headers), keys.publicKey, { audience })
  if (claims.sub !== subject) throw new Error(`${name} produced a token with the wrong claims`)
}

const { rates, rounds: all } = await compare(candidates, { ms, rounds, warmupMs: 300 })
const base = rates['web-push getVapidHeaders']
console.log(
  `VAPID headers, one call at a time (${machine().node}, ${machine().cpu}, load ${machine().loadAverage[0]})\n`,
)
table(
  ['candidate', 'headers/s', 'µs/call', 'vs web-push'],
  Object.entries(rates).map(([name, r]) => [name, fmt(r), fmt(1e6 / r, 1), `${fmt(r / base, 1)}x`]),
)
const uncached = rates['@wp/vapid uncached (vapidHeaders, key imported once)'] / base
const cached = rates['@wp/vapid cached (VapidSigner)'] / base
console.log(
  `\ntargets: uncached >= 10x (${fmt(uncached, 1)}x ${uncached >= 10 ? 'met' : 'MISSED'}), cached >= 100x (${fmt(cached, 1)}x ${cached >= 100 ? 'met' : 'MISSED'})`,
)
save('vapid', {
  bench: 'vapid',
  date: new Date().toISOString(),
  machine: machine(),
  settings: { ms, rounds },
  rates,
  rounds: all,
})
