/**
 * `sendMany` at scale through a real `@wp/push-service` on 127.0.0.1: 10,000 subscriptions read
 * lazily from a generator, with injected faults (429/503 with `Retry-After`, dropped connections),
 * unsubscribed endpoints (410, and 404 once the service has forgotten them), invalid items mixed in,
 * and an abort halfway through.
 */
import { createServer, type Server } from 'node:net'
import { base64urlEncode } from '@wp/ece'
import { type PushService, startPushService, type TestSubscriber } from '@wp/push-service'
import { createTransport } from '@wp/transport'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPushClient,
  generateVapidKeys,
  type PushResponse,
  PushServiceError,
  type SendOutcome,
  type SendProgress,
  type SendResult,
  type Transport,
  WebPushError,
} from '../src/index.js'

/** Real subscriptions in the source; the invalid items come on top of them. */
const SUBSCRIPTIONS = 10_000
/** One invalid item after every this many subscriptions. */
const INVALID_EVERY = 100
/** One subscription in this many is unsubscribed before the batch. */
const GONE_EVERY = 50
const GONE = SUBSCRIPTIONS / GONE_EVERY
/**
 * The service remembers this many unsubscribed endpoints (its `maxGone` limit): the older ones
 * answer 404 (an endpoint it does not know), the newer 410. The service has no 404 fault; this is
 * the way it gives one for an endpoint that was real.
 */
const REMEMBERED_GONE = 150
const CONCURRENCY = 100

// Faults drawn in order for every POST, before the service validates or accepts the request.
// Retry-After: 0 and 1 second: the transport retries 429 and 503 (up to twice by default, three
// attempts in all), waiting what Retry-After says (at once for 0, a second for 1; a wait longer
// than its maxDelayMs would not be taken). So nearly every faulted message ends `created`; only
// three faults in a row (about 1 in 8,000 here) leave a final `rate-limited` or `server-error`.
const FAULTS = [
  { status: 429, retryAfterSeconds: 0, rate: 0.025 },
  { status: 503, retryAfterSeconds: 1, rate: 0.025 },
  { drop: true, rate: 0.02 },
]

let service: PushService
/** Invalid items point here: it must never see a request. */
let sentinel: PushService
/**
 * A plain TCP listener on 127.0.0.1 that counts connections: the target of `https:` endpoints on an
 * origin `allowPrivateNetwork` does not list, which the transport's guard refuses before connecting.
 */
let forbidden: Server
let forbiddenOrigin = ''
let forbiddenConnections = 0
let subscribers: TestSubscriber[] = []
/** Positions (in `subscribers`) of the unsubscribed ones. */
const goneSubs = new Set<number>()
/** The first GONE - REMEMBERED_GONE of them, pushed out of the service's memory: they answer 404. */
const forgottenSubs = new Set<number>()
const keys = await generateVapidKeys()
const vapid = { privateKey: keys.privateKey, subject: 'mailto:ops@example.com' }

beforeAll(async () => {
  service = await startPushService({ limits: { maxGone: REMEMBERED_GONE } })
  sentinel = await startPushService()
  forbidden = createServer((socket) => {
    forbiddenConnections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => forbidden.listen(0, '127.0.0.1', resolve))
  forbiddenOrigin = `https://127.0.0.1:${(forbidden.address() as { port: number }).port}`
  // One test subscriber per subscription: each is a channel of the service with its own keys and
  // its own count of what arrived (`pending`), which is how deliveries are counted per
  // subscription. Test subscribers have no uaid to share; the WebSocket side's uaids hold at most
  // 1000 channels each and would need a protocol client. A subscribe is one key pair: a few
  // seconds for all 10,000.
  subscribers = []
  for (let i = 0; i < SUBSCRIPTIONS; i++)
    subscribers.push(await service.subscribe({ applicationServerKey: keys.publicKey }))
  let unsubscribed = 0
  for (let i = GONE_EVERY / 2; i < SUBSCRIPTIONS; i += GONE_EVERY) {
    await subscribers[i]?.unsubscribe()
    goneSubs.add(i)
    if (unsubscribed++ < GONE - REMEMBERED_GONE) forgottenSubs.add(i)
  }
}, 120_000)

afterAll(async () => {
  await service?.close()
  await sentinel?.close()
  await new Promise((resolve) => forbidden?.close(resolve))
})

const OFF_CURVE = new Uint8Array(65)
OFF_CURVE[0] = 4 // 0x04 || (0, 0): uncompressed form, not a point on P-256

/** The invalid items, each refused before any I/O: not objects, bad endpoints, bad keys. */
const INVALID_KINDS: ((n: number) => unknown)[] = [
  () => null,
  () => 42,
  (n) => `${sentinel.url}/push/invalid${n}`,
  (n) => [`${sentinel.url}/push/invalid${n}`],
  () => ({ endpoint: 'not a url', keys: validKeys() }),
  (n) => ({ endpoint: `ftp://127.0.0.1/push/invalid${n}`, keys: validKeys() }),
  (n) => ({ endpoint: `${sentinel.url}/push/invalid${n}` }),
  (n) => ({
    endpoint: `${sentinel.url}/push/invalid${n}`,
    keys: { ...validKeys(), p256dh: validKeys().p256dh.slice(0, 40) },
  }),
  (n) => ({
    endpoint: `${sentinel.url}/push/invalid${n}`,
    keys: { ...validKeys(), p256dh: `${validKeys().p256dh.slice(1)}!` },
  }),
  (n) => ({
    endpoint: `${sentinel.url}/push/invalid${n}`,
    keys: { ...validKeys(), p256dh: base64urlEncode(OFF_CURVE) },
  }),
  (n) => ({ endpoint: `${sentinel.url}/push/invalid${n}`, keys: { ...validKeys(), auth: 'AAAA' } }),
  // Well formed, but on a private address that allowPrivateNetwork does not list: the transport's
  // guard refuses it before connecting.
  (n) => ({ endpoint: `${forbiddenOrigin}/push/invalid${n}`, keys: validKeys() }),
]
const validKeys = () => (subscribers[0] as TestSubscriber).subscription.keys
const invalidItem = (n: number): unknown => (INVALID_KINDS[n % INVALID_KINDS.length] as (n: number) => unknown)(n)
/** Whether invalid item `n` is the one only the transport's guard refuses (the last kind). */
const refusedByGuard = (n: number): boolean => n % INVALID_KINDS.length === INVALID_KINDS.length - 1

/** A lazy source: yields each subscription as it is asked for, and remembers what it gave. */
function makeSource() {
  const state = {
    read: 0,
    returned: false,
    returnedAt: 0,
    /** Position in the input -> position in `subscribers`, for the real subscriptions. */
    subAt: new Map<number, number>(),
    /** Position in the input -> the number of the invalid item there. */
    invalidAt: new Map<number, number>(),
    /** Items read minus results seen: how far ahead of the answers the batch reads. */
    maxAhead: 0,
    results: 0,
  }
  async function* source() {
    try {
      for (let i = 0; i < SUBSCRIPTIONS; i++) {
        state.subAt.set(state.read, i)
        state.read++
        state.maxAhead = Math.max(state.maxAhead, state.read - state.results)
        yield (subscribers[i] as TestSubscriber).subscription as unknown
        if (i % INVALID_EVERY === INVALID_EVERY / 2) {
          const n = Math.floor(i / INVALID_EVERY)
          state.invalidAt.set(state.read, n)
          state.read++
          state.maxAhead = Math.max(state.maxAhead, state.read - state.results)
          yield invalidItem(n)
        }
      }
    } finally {
      state.returned = true
      state.returnedAt = performance.now()
    }
  }
  return { state, source: source() }
}
const TOTAL = SUBSCRIPTIONS + SUBSCRIPTIONS / INVALID_EVERY

/** What became of one `transport.send` call. */
interface SendRecord {
  /** The sequence number of the call, from 1. */
  seq: number
  settled: boolean
  response?: PushResponse
  error?: unknown
}

/**
 * A transport that counts what `sendMany` hands it: the calls per endpoint (retries are inside the
 * transport, so one per message sent), the calls in flight, and how each one ended.
 */
function countingTransport(allowPrivateNetwork: string[]) {
  const inner = createTransport({ allowPrivateNetwork })
  const byEndpoint = new Map<string, SendRecord[]>()
  const counts = { started: 0, inFlight: 0 }
  const transport: Transport = {
    send(request, options) {
      const record: SendRecord = { seq: ++counts.started, settled: false }
      let list = byEndpoint.get(request.endpoint)
      if (list === undefined) byEndpoint.set(request.endpoint, (list = []))
      list.push(record)
      counts.inFlight++
      const promise = inner.send(request, options)
      promise.then(
        (response) => {
          counts.inFlight--
          record.settled = true
          record.response = response
        },
        (error: unknown) => {
          counts.inFlight--
          record.settled = true
          record.error = error
        },
      )
      return promise
    },
    close: () => inner.close(),
  }
  return { transport, byEndpoint, counts }
}

function tally(results: SendResult[]): Partial<Record<SendOutcome, number>> {
  const out: Partial<Record<SendOutcome, number>> = {}
  for (const r of results) out[r.outcome] = (out[r.outcome] ?? 0) + 1
  return out
}

function expectEveryIndexOnce(results: SendResult[], n: number): void {
  expect(results.length).toBe(n)
  const seen = new Uint8Array(n)
  const outside = results.filter((r) => !(Number.isInteger(r.index) && r.index >= 0 && r.index < n))
  expect(outside.map((r) => r.index)).toEqual([])
  for (const r of results) seen[r.index] = (seen[r.index] as number) + 1
  expect([...seen.keys()].filter((i) => seen[i] !== 1)).toEqual([])
}

/**
 * Per-item checks, collected and asserted once: `expect` costs about 10 µs a call, which over tens
 * of thousands of items is seconds of a busy machine. Each problem names the item.
 */
class Problems {
  readonly list: string[] = []
  check(ok: boolean, what: () => string): void {
    if (!ok && this.list.length < 20) this.list.push(what())
  }
}

const codeOf = (error: unknown): string | undefined =>
  error instanceof WebPushError ? (error.code as string) : undefined

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('sendMany over 10,000 subscriptions with injected faults', () => {
  it('one result per subscription; invalid ones never sent; gone ones gone; accepted equals sent; nothing delivered twice', async () => {
    const origins = [new URL(service.url).origin, new URL(sentinel.url).origin]
    const { transport, byEndpoint } = countingTransport(origins)
    const client = createPushClient({ vapid, allowPrivateNetwork: origins, transport, concurrency: CONCURRENCY })
    const { state, source } = makeSource()
    const before = { ...service.stats }
    let last: SendProgress | undefined
    let progressCalls = 0
    const results: SendResult[] = []
    const started = performance.now()
    service.setFaults(FAULTS)
    try {
      for await (const r of client.sendMany(source, (_s, i) => ({ n: i }), {
        ttl: 600,
        onProgress: (p) => {
          progressCalls++
          last = p
        },
      })) {
        results.push(r)
        state.results++
      }
    } finally {
      service.setFaults(undefined)
      await client.close()
      await transport.close()
    }
    const seconds = (performance.now() - started) / 1000
    const outcomes = tally(results)
    console.info(`sendMany: ${results.length} results in ${seconds.toFixed(1)} s`, outcomes)

    // Exactly one result per item read, and the whole source was read, lazily.
    expect(state.read).toBe(TOTAL)
    expectEveryIndexOnce(results, TOTAL)
    expect(state.returned).toBe(true)
    expect(state.maxAhead).toBeLessThanOrEqual(2 * CONCURRENCY + 1)

    // onProgress: called after each result; its last call agrees with the totals.
    expect(progressCalls).toBe(TOTAL)
    expect(last?.done).toBe(TOTAL)
    expect(last?.total).toBeUndefined() // a generator has no length
    expect(last?.byOutcome).toEqual(outcomes)

    const resultByIndex = new Map(results.map((r) => [r.index, r]))
    // Invalid items: 'invalid', caught before any I/O: no transport call, no request at the sentinel.
    expect(state.invalidAt.size).toBe(SUBSCRIPTIONS / INVALID_EVERY)
    const problems = new Problems()
    for (const i of state.invalidAt.keys()) {
      const r = resultByIndex.get(i) as SendResult
      problems.check(
        r.outcome === 'invalid' && !r.ok && /^ERR_WP_/.test(codeOf(r.error) ?? '') && r.response === undefined,
        () => `invalid item ${i}: ${r.outcome} ${codeOf(r.error)}`,
      )
    }
    expect(outcomes.invalid).toBe(state.invalidAt.size)
    // The only invalid items that reach the transport are those its private-network guard refuses,
    // which it does before connecting.
    for (const [endpoint, calls] of byEndpoint) {
      if (endpoint.startsWith(service.url)) continue
      expect(endpoint.startsWith(forbiddenOrigin)).toBe(true)
      for (const call of calls)
        problems.check(codeOf(call.error) === 'ERR_WP_ENDPOINT_FORBIDDEN', () => `${endpoint}: ${codeOf(call.error)}`)
    }
    expect(sentinel.stats.requests).toBe(0)
    expect(forbiddenConnections).toBe(0)

    // Each real subscription was handed to the transport exactly once: the retries of 429/503 are
    // the transport's, inside that one call, and sendMany never sends a message again.
    const sentEndpoints = [...byEndpoint].filter(([endpoint]) => endpoint.startsWith(service.url))
    expect(sentEndpoints.length).toBe(SUBSCRIPTIONS)
    for (const [endpoint, calls] of sentEndpoints)
      problems.check(calls.length === 1, () => `${endpoint}: ${calls.length} transport calls`)

    // Gone subscriptions: 'gone' (410, or 404 once forgotten) unless a dropped connection or three
    // faults in a row got in first; never sent. Nothing else is gone.
    let gone404 = 0
    let gone410 = 0
    const unsent = ['network', 'rate-limited', 'server-error']
    for (const [index, sub] of state.subAt) {
      const r = resultByIndex.get(index) as SendResult
      const what = () => `item ${index} (subscriber ${sub}): ${r.outcome} ${r.response?.status} ${codeOf(r.error)}`
      problems.check(r.subscription === subscribers[sub]?.subscription, what)
      problems.check(r.ok === (r.outcome === 'created'), what)
      if (goneSubs.has(sub)) {
        problems.check(r.outcome === 'gone' || unsent.includes(r.outcome), what)
        if (r.outcome === 'gone') {
          const status = forgottenSubs.has(sub) ? 404 : 410
          problems.check(r.error instanceof PushServiceError && r.response?.status === status, what)
          if (r.response?.status === 404) gone404++
          else gone410++
        }
      } else {
        problems.check(r.outcome === 'created' || unsent.includes(r.outcome), what)
      }
      if (r.outcome === 'network') problems.check(codeOf(r.error) === 'ERR_WP_NETWORK', what)
    }
    expect(problems.list).toEqual([])
    expect(gone404).toBeGreaterThan((GONE - REMEMBERED_GONE) * 0.8)
    expect(gone410).toBeGreaterThan(REMEMBERED_GONE * 0.8)

    // The faults happened and were handled as described: retried 429/503 that ended created, and
    // dropped connections reported as 'network' (about 2%).
    const sent = results.filter((r) => r.ok)
    expect(sent.some((r) => (r.response?.attempts ?? 1) > 1)).toBe(true)
    expect(outcomes.network ?? 0).toBeGreaterThan(SUBSCRIPTIONS * 0.005)
    expect(outcomes.network ?? 0).toBeLessThan(SUBSCRIPTIONS * 0.05)
    expect(sent.length).toBeGreaterThan((SUBSCRIPTIONS - GONE) * 0.9)

    // The service accepted exactly the messages reported sent, and handed each to its subscriber.
    expect(service.stats.accepted - before.accepted).toBe(sent.length)
    expect(service.stats.delivered - before.delivered).toBe(sent.length)

    // Nothing delivered twice. What is guaranteed in general is at most once: the transport retries
    // only answers that say the message was not taken (429, 5xx of the retry table) and connections
    // that failed before the request was written; a request that was written and then lost its
    // connection is reported 'network' and never sent again, even though the service may have
    // accepted it. This service's drop fault cuts the connection before it validates or accepts the
    // request, so here a 'network' result was not delivered either: delivered exactly when sent.
    const sentSubs = new Map<number, number>()
    for (const r of sent) sentSubs.set(state.subAt.get(r.index) as number, r.index)
    const deliveries = new Problems()
    for (let i = 0; i < subscribers.length; i++) {
      const s = subscribers[i] as TestSubscriber
      const index = sentSubs.get(i)
      deliveries.check(s.pending === (index === undefined ? 0 : 1), () => `subscriber ${i}: ${s.pending} received`)
      if (index === undefined || s.pending === 0) continue
      const push = await s.next({ timeoutMs: 5000 })
      const text = JSON.stringify({ n: index })
      deliveries.check(push.text === text, () => `subscriber ${i}: received ${push.text}, sent ${text}`)
    }
    expect(deliveries.list).toEqual([])
  }, 180_000)

  it('abort halfway: reading stops, requests in flight are aborted, every item read gets one result, promptly', async () => {
    const origins = [new URL(service.url).origin, new URL(sentinel.url).origin]
    const { transport, byEndpoint, counts } = countingTransport(origins)
    const client = createPushClient({ vapid, allowPrivateNetwork: origins, transport, concurrency: CONCURRENCY })
    const { state, source } = makeSource()
    const controller = new AbortController()
    const before = { ...service.stats }
    const results: SendResult[] = []
    let last: SendProgress | undefined
    let abortedAt = 0
    let startedAtAbort = 0
    let readAtAbort = 0
    let ended = 0
    const started = performance.now()
    // A slow-ish service, so that requests are in flight (and some waiting to retry) at the abort.
    service.setFaults([{ delayMs: 40 }, ...FAULTS])
    // Deliveries are not checked here: the subscribers stay offline, so the service keeps what it
    // accepts (well within its 10,000 messages) instead of spending the CPU to decrypt it.
    for (const s of subscribers) s.disconnect()
    try {
      for await (const r of client.sendMany(source, (_s, i) => ({ n: i }), {
        ttl: 600,
        signal: controller.signal,
        onProgress: (p) => {
          last = p
        },
      })) {
        results.push(r)
        state.results++
        if (results.length === Math.floor(TOTAL / 2)) {
          readAtAbort = state.read
          startedAtAbort = counts.started
          abortedAt = performance.now()
          controller.abort()
        }
      }
      ended = performance.now()
      // Nothing the batch started is still running in the transport when the iteration ends.
      expect(counts.inFlight).toBe(0)
    } finally {
      service.setFaults(undefined)
      await client.close()
      await transport.close()
    }
    console.info(
      `abort after ${((abortedAt - started) / 1000).toFixed(1)} s: ${results.length} results, iteration ended ${(ended - abortedAt).toFixed(0)} ms after the abort`,
      tally(results),
    )
    expect(abortedAt).toBeGreaterThan(0)

    // Ended promptly, and the source's return() was called.
    expect(ended - abortedAt).toBeLessThan(2000)
    expect(state.returned).toBe(true)
    expect(state.returnedAt - abortedAt).toBeLessThan(2000)
    // Reading stopped: at most the one read in progress at the abort came after it.
    expect(state.read).toBeLessThan(TOTAL)
    expect(state.read - readAtAbort).toBeLessThanOrEqual(1)
    // No send started after the abort.
    expect(counts.started).toBe(startedAtAbort)

    // One result per item read.
    expectEveryIndexOnce(results, state.read)
    expect(last?.done).toBe(results.length)
    expect(last?.byOutcome).toEqual(tally(results))

    // Invalid stays invalid; an item read and not answered is 'aborted'; an answer that came before
    // the abort keeps its outcome. Checked per item against what its transport call did.
    let abortedInFlight = 0
    const problems = new Problems()
    for (const r of results) {
      const what = () => `item ${r.index}: ${r.outcome} ${codeOf(r.error)}`
      const invalid = state.invalidAt.get(r.index)
      if (invalid !== undefined) {
        // Refused before any I/O; one that only the transport's guard refuses is 'aborted' when the
        // abort came before its turn to be sent.
        const allowed = refusedByGuard(invalid) ? ['invalid', 'aborted'] : ['invalid']
        problems.check(allowed.includes(r.outcome), what)
        continue
      }
      const calls = byEndpoint.get((r.subscription as { endpoint: string }).endpoint) ?? []
      problems.check(r.outcome !== 'invalid' && calls.length <= 1, what)
      const call = calls[0]
      if (r.outcome === 'aborted') {
        problems.check(!r.ok && codeOf(r.error) === 'ERR_WP_ABORTED', what)
        // never sent, or sent and aborted in flight (or while waiting to retry)
        if (call !== undefined) {
          problems.check(codeOf(call.error) === 'ERR_WP_ABORTED', () => `${what()}; its send: ${codeOf(call.error)}`)
          abortedInFlight++
        }
        continue
      }
      problems.check(call?.settled === true && (r.ok ? r.response === call.response : r.error === call.error), what)
    }
    expect(problems.list).toEqual([])
    const aborted = results.filter((r) => r.outcome === 'aborted').length
    expect(aborted).toBeGreaterThan(0)
    // the abort found requests in flight and aborted them
    expect(abortedInFlight).toBeGreaterThan(0)

    // Nothing reaches the service after the batch ended. (The service has no in-flight counter: a
    // request it was delaying when the client gave up is finished by it within the 40 ms delay, so
    // its counters settle, then must not move.)
    await sleep(500)
    const settled = { ...service.stats }
    await sleep(1000)
    expect(service.stats.requests).toBe(settled.requests)
    expect(service.stats.accepted).toBe(settled.accepted)
    // The service took every message reported sent; it may also have taken some whose request was
    // aborted in flight (the client stopped waiting after the request was written): at most once.
    const sent = results.filter((r) => r.ok).length
    expect(settled.accepted - before.accepted).toBeGreaterThanOrEqual(sent)
    expect(settled.accepted - before.accepted).toBeLessThanOrEqual(sent + abortedInFlight)
  }, 180_000)
})
