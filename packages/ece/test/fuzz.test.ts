/**
 * Mutation fuzzing of the decoders: random bit flips, byte replacements, truncations, extensions,
 * deletions, insertions, duplications and splices of valid bodies, through `decrypt` and
 * `decryptWebPush` (both encodings), and of the aesgcm `Encryption`/`Crypto-Key` header values.
 *
 * Each mutated input must either be refused with a WebPushError of an expected code, or decrypt to
 * exactly the original plaintext, which is allowed only when the mutation changed nothing that is
 * authenticated: an identical body (which must then decrypt), or a change confined to the RFC 8188
 * header fields that no key depends on (rs, and the key id when the key is given directly).
 *
 * The PRNG is seeded: ECE_FUZZ_SEED=<n> reproduces a run, and every failure names its seed,
 * iteration and mutation.
 */
import { describe, expect, it } from 'vitest'
import {
  type BackendName,
  type ContentEncoding,
  decrypt,
  decryptWebPush,
  encrypt,
  encryptWebPush,
  generateSubscriptionKeys,
  WebPushError,
  type WebPushErrorCode,
} from '../src/index.js'
import { backends, withBackend } from './helpers.js'

const SEED = process.env.ECE_FUZZ_SEED === undefined ? 0x81888291 : Number(process.env.ECE_FUZZ_SEED) >>> 0
/** Mutations per target: node:crypto is fast; the others (pure-JS P-256, async WebCrypto) get fewer. */
const ITERATIONS: Record<BackendName, number> = { node: 10_000, webcrypto: 1_000, noble: 1_000 }
/** decryptWebPush does an ECDH per message: pure-JS P-256 takes a few ms each, so noble gets fewer there. */
const PUSH_ITERATIONS: Record<BackendName, number> = { node: 10_000, webcrypto: 1_000, noble: 500 }
const HEADER_ITERATIONS: Record<BackendName, number> = { node: 2_000, webcrypto: 300, noble: 300 }

/** sfc32, seeded through splitmix32: small, fast and good enough to pick mutations. */
function prng(seed: number): () => number {
  const split = () => {
    seed = (seed + 0x9e3779b9) | 0
    let z = seed
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = split()
  let b = split()
  let c = split()
  let d = split()
  return () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
}

type Rng = () => number
const below = (rng: Rng, n: number): number => (n <= 0 ? 0 : rng() % n)
const pick = <T>(rng: Rng, items: readonly T[]): T => items[below(rng, items.length)] as T
const randomBytes = (rng: Rng, n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng() & 0xff)
const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x7f, 0x80, 0xfe, 0xff]

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/** A position, half the time inside the first 90 octets (the aes128gcm header and the first record's start). */
function position(rng: Rng, length: number): number {
  return rng() & 1 ? below(rng, Math.min(length, 90)) : below(rng, length)
}

/** One random mutation of `body`, with a description to reproduce it. `donors` are other valid bodies to splice in. */
function mutate(rng: Rng, body: Uint8Array, donors: readonly Uint8Array[]): { bytes: Uint8Array; op: string } {
  const n = body.length
  switch (below(rng, 9)) {
    case 0: {
      const out = body.slice()
      const flips: string[] = []
      for (let k = 1 + below(rng, 4); k > 0 && n > 0; k--) {
        const at = position(rng, n)
        const bit = below(rng, 8)
        out[at] = (out[at] as number) ^ (1 << bit)
        flips.push(`${at}.${bit}`)
      }
      return { bytes: out, op: `flip bits ${flips.join(' ')}` }
    }
    case 1: {
      const out = body.slice()
      const set: string[] = []
      for (let k = 1 + below(rng, 4); k > 0 && n > 0; k--) {
        const at = position(rng, n)
        out[at] = rng() & 1 ? pick(rng, INTERESTING) : rng() & 0xff // may equal the old value: a no-op
        set.push(`${at}=${out[at]}`)
      }
      return { bytes: out, op: `replace bytes ${set.join(' ')}` }
    }
    case 2: {
      const to = below(rng, n)
      return { bytes: body.slice(0, to), op: `truncate to ${to} of ${n}` }
    }
    case 3: {
      const extra = rng() & 1 ? randomBytes(rng, 1 + below(rng, 64)) : new Uint8Array(1 + below(rng, 64))
      return { bytes: concat(body, extra), op: `append ${extra.length} bytes` }
    }
    case 4: {
      const at = below(rng, n)
      const len = 1 + below(rng, Math.min(32, n - at))
      return { bytes: concat(body.subarray(0, at), body.subarray(at + len)), op: `delete ${len} at ${at}` }
    }
    case 5: {
      const at = below(rng, n + 1)
      const extra = randomBytes(rng, 1 + below(rng, 32))
      return { bytes: concat(body.subarray(0, at), extra, body.subarray(at)), op: `insert ${extra.length} at ${at}` }
    }
    case 6: {
      const at = below(rng, n)
      const len = 1 + below(rng, n - at)
      const slice = body.subarray(at, at + len)
      return {
        bytes: concat(body.subarray(0, at + len), slice, body.subarray(at + len)),
        op: `duplicate ${len} at ${at}`,
      }
    }
    case 7: {
      const donor = pick(rng, donors)
      const cut = below(rng, n + 1)
      const from = below(rng, donor.length + 1)
      return {
        bytes: concat(body.subarray(0, cut), donor.subarray(from)),
        op: `splice: first ${cut} bytes, then a ${donor.length}-byte body from ${from}`,
      }
    }
    default: {
      // Header fields of aes128gcm: rs (16..19) and idlen (20), set to values at their limits.
      const out = body.slice()
      if (n < 21) return { bytes: out, op: 'no-op (body too short for a header edit)' }
      if (rng() & 1) {
        const rs = pick(rng, [
          0,
          1,
          17,
          18,
          19,
          24,
          25,
          26,
          99,
          100,
          101,
          4095,
          4096,
          4097,
          0x7fffffff,
          0xffffffff,
          rng(),
        ])
        new DataView(out.buffer).setUint32(16, rs)
        return { bytes: out, op: `set rs to ${rs}` }
      }
      out[20] = pick(rng, [0, 1, 2, 5, 32, 33, 64, 65, 66, 255, rng() & 0xff])
      return { bytes: out, op: `set idlen to ${out[20]}` }
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** A valid input, what it decrypts to, and which of its octets are not authenticated. */
interface Sample {
  body: Uint8Array
  plaintext: Uint8Array
  /** [start, end) ranges a successful decryption may have seen changed. */
  unauthenticated: Array<[number, number]>
  /**
   * RFC 8188 with the key given directly: neither rs nor the key id feeds the keys, so a body whose
   * header is rewritten around the same salt and the same records (a longer key id that swallows
   * what a mutation put before them) still opens. That is no forgery: the ciphertext is the same.
   */
  reframeable?: true
  open: (body: Uint8Array) => Promise<Uint8Array>
}

/** Changed only inside `ranges`, same length. */
function changedOnlyIn(original: Uint8Array, mutated: Uint8Array, ranges: Array<[number, number]>): boolean {
  if (original.length !== mutated.length) return false
  for (let i = 0; i < original.length; i++)
    if (original[i] !== mutated[i] && !ranges.some(([start, end]) => i >= start && i < end)) return false
  return true
}

/** An RFC 8188 body's salt and what follows its header (salt 16, rs 4, idlen 1, key id). */
function saltAndRecords(body: Uint8Array): Uint8Array | undefined {
  if (body.length < 21) return undefined
  const start = 21 + (body[20] as number)
  if (start > body.length) return undefined
  return concat(body.subarray(0, 16), body.subarray(start))
}

/** The same salt and the same records behind a different header. */
function sameCiphertext(original: Uint8Array, mutated: Uint8Array): boolean {
  const a = saltAndRecords(original)
  const b = saltAndRecords(mutated)
  return a !== undefined && b !== undefined && equal(a, b)
}

/** Runs `iterations` mutations of the samples; returns the failures (at most a few), each reproducible. */
async function fuzz(
  label: string,
  seed: number,
  iterations: number,
  samples: Sample[],
  codes: ReadonlySet<WebPushErrorCode>,
  mutator: (rng: Rng, sample: Sample) => { bytes: Uint8Array; op: string; open?: () => Promise<Uint8Array> } = (
    rng,
    sample,
  ) => mutate(rng, sample.body, donorsOf(samples)),
): Promise<{ failures: string[]; rejected: number; accepted: number }> {
  const rng = prng(seed)
  const failures: string[] = []
  let rejected = 0
  let accepted = 0
  for (let i = 0; i < iterations && failures.length < 5; i++) {
    const index = below(rng, samples.length)
    const sample = samples[index] as Sample
    const m = mutator(rng, sample)
    const where = `${label}, ECE_FUZZ_SEED=${SEED} (stream seed ${seed}), iteration ${i}, sample ${index}: ${m.op}`
    let out: Uint8Array | undefined
    let error: unknown
    try {
      out = await (m.open ?? (() => sample.open(m.bytes)))()
    } catch (err) {
      error = err
    }
    if (out === undefined) {
      rejected++
      if (!(WebPushError.is(error) && error instanceof WebPushError))
        failures.push(`${where}: threw a non-WebPushError: ${String(error)}`)
      else if (!codes.has(error.code)) failures.push(`${where}: unexpected code ${error.code}`)
      else if (m.open === undefined && equal(m.bytes, sample.body))
        failures.push(`${where}: a no-op mutation was refused (${error.code})`)
    } else {
      accepted++
      if (!equal(out, sample.plaintext)) failures.push(`${where}: returned ${out.length} bytes of other plaintext`)
      else if (
        m.open === undefined &&
        !changedOnlyIn(sample.body, m.bytes, sample.unauthenticated) &&
        !(sample.reframeable && sameCiphertext(sample.body, m.bytes))
      )
        failures.push(`${where}: accepted a body changed in its authenticated part`)
    }
  }
  return { failures, rejected, accepted }
}

const donorCache = new WeakMap<Sample[], Uint8Array[]>()
function donorsOf(samples: Sample[]): Uint8Array[] {
  let donors = donorCache.get(samples)
  if (donors === undefined) donorCache.set(samples, (donors = samples.map((s) => s.body)))
  return donors
}

/** Distinct deterministic plaintexts. */
const text = (length: number, seed: number): Uint8Array => {
  const rng = prng(seed)
  return randomBytes(rng, length)
}

const RS_FIELD: [number, number] = [16, 20]

describe.each(backends)('fuzzing the decoders on the %s backend', (name) => {
  withBackend(name)
  const iterations = ITERATIONS[name]
  const streamSeed = (target: number): number => (SEED ^ Math.imul(target + 1, 0x9e3779b1) ^ name.length) >>> 0

  it(`decrypt: ${iterations} mutations of RFC 8188 bodies (1 to 9 records, with and without key id)`, async () => {
    const key = text(16, 1)
    const samples: Sample[] = []
    for (const [length, recordSize, padding, keyId] of [
      [0, 4096, 0, ''],
      [1, 18, 0, ''],
      [20, 18, 3, 'k'],
      [60, 25, 10, ''],
      [150, 100, 0, 'key-5'],
      [200, 4096, 50, 'a1'],
    ] as Array<[number, number, number, string]>) {
      const plaintext = text(length, samples.length + 10)
      const body = await encrypt(plaintext, { key, recordSize, padding, keyId })
      const idlen = keyId.length
      samples.push({
        body,
        plaintext,
        // The key is given directly, so neither rs nor the key id feeds the keys; the records say whether rs was right.
        unauthenticated: [RS_FIELD, [21, 21 + idlen]],
        reframeable: true,
        open: (b) => decrypt(b, { key }),
      })
    }
    const codes = new Set<WebPushErrorCode>(['ERR_WP_ECE_DECRYPT', 'ERR_WP_ECE_HEADER', 'ERR_WP_ECE_RECORD_SIZE'])
    const result = await fuzz('decrypt', streamSeed(0), iterations, samples, codes)
    expect(result.failures).toEqual([])
    // The mutations must mostly break things: a fuzzer that only produced no-ops would prove nothing.
    expect(result.rejected).toBeGreaterThan(iterations * 0.9)
  })

  describe.each(['aes128gcm', 'aesgcm'] as const)('decryptWebPush %s', (encoding: ContentEncoding) => {
    const iterations = PUSH_ITERATIONS[name]
    it(`${iterations} mutations of push message bodies`, async () => {
      const receiver = await generateSubscriptionKeys()
      const samples: Sample[] = []
      for (const [length, padding] of [
        [0, 0],
        [1, 0],
        [10, 5],
        [100, 0],
        [1000, 'max'],
      ] as Array<[number, number | 'max']>) {
        const plaintext = text(length, samples.length + 100)
        const pushed = await encryptWebPush(
          plaintext,
          { p256dh: receiver.publicKey, auth: receiver.auth },
          { encoding, padding },
        )
        samples.push({
          body: pushed.body,
          plaintext,
          // aes128gcm: rs is the one unauthenticated field (the key id is the sender's key and feeds the keys).
          // aesgcm: the body is records only, all of them authenticated.
          unauthenticated: encoding === 'aes128gcm' ? [RS_FIELD] : [],
          open: (b) => decryptWebPush(b, receiver, { encoding, headers: pushed.headers }),
        })
      }
      const codes = new Set<WebPushErrorCode>(
        encoding === 'aes128gcm'
          ? ['ERR_WP_ECE_DECRYPT', 'ERR_WP_ECE_HEADER', 'ERR_WP_ECE_RECORD_SIZE', 'ERR_WP_INVALID_POINT']
          : // aesgcm: a body grown to rs + 16 octets or more is more than the single record a push message is.
            ['ERR_WP_ECE_DECRYPT', 'ERR_WP_ECE_RECORD_SIZE'],
      )
      const result = await fuzz(
        `decryptWebPush ${encoding}`,
        streamSeed(encoding === 'aes128gcm' ? 1 : 2),
        iterations,
        samples,
        codes,
      )
      expect(result.failures).toEqual([])
      expect(result.rejected).toBeGreaterThan(iterations * 0.9)
    })
  })

  it(`decryptWebPush aesgcm: ${HEADER_ITERATIONS[name]} mutations of the Encryption and Crypto-Key values`, async () => {
    const receiver = await generateSubscriptionKeys()
    const plaintext = text(40, 7)
    const pushed = await encryptWebPush(
      plaintext,
      { p256dh: receiver.publicKey, auth: receiver.auth },
      { encoding: 'aesgcm' },
    )
    const headers = pushed.headers as { Encryption: string; 'Crypto-Key': string }
    const sample: Sample = { body: pushed.body, plaintext, unauthenticated: [], open: async () => plaintext }
    const alphabet = 'AZaz09-_+/=;,. "\'\t\nrsaltdh'
    const mutateText = (rng: Rng, value: string): { text: string; op: string } => {
      const at = below(rng, value.length + 1)
      switch (below(rng, 5)) {
        case 0:
          return { text: value.slice(0, at), op: `truncate to ${at}` }
        case 1:
          return { text: value.slice(0, at) + value.slice(at + 1), op: `delete at ${at}` }
        case 2: {
          const c = alphabet.charAt(below(rng, alphabet.length))
          return { text: value.slice(0, at) + c + value.slice(at), op: `insert ${JSON.stringify(c)} at ${at}` }
        }
        case 3: {
          const c = alphabet.charAt(below(rng, alphabet.length))
          return {
            text: value.slice(0, at) + c + value.slice(at + 1),
            op: `replace at ${at} with ${JSON.stringify(c)}`,
          }
        }
        default:
          return { text: value.toUpperCase(), op: 'upper-case' }
      }
    }
    const codes = new Set<WebPushErrorCode>([
      'ERR_WP_ECE_DECRYPT',
      'ERR_WP_ECE_HEADER',
      'ERR_WP_ECE_RECORD_SIZE',
      'ERR_WP_BASE64URL',
      'ERR_WP_KEY_LENGTH',
      'ERR_WP_INVALID_POINT',
    ])
    const result = await fuzz('aesgcm headers', streamSeed(3), HEADER_ITERATIONS[name], [sample], codes, (rng) => {
      const field = rng() & 1 ? 'Encryption' : 'Crypto-Key'
      const m = mutateText(rng, headers[field])
      const mutated = { ...headers, [field]: m.text }
      // Success is fine only with the original plaintext (a case change of a parameter name, say).
      return {
        bytes: pushed.body,
        op: `${field}: ${m.op} → ${JSON.stringify(m.text)}`,
        open: () => decryptWebPush(pushed.body, receiver, { encoding: 'aesgcm', headers: mutated }),
      }
    })
    expect(result.failures).toEqual([])
    expect(result.rejected).toBeGreaterThan(HEADER_ITERATIONS[name] * 0.5)
  })

  it('the oracle itself: an identical body decrypts, a changed rs or a re-framed header is tolerated, anything else is refused', async () => {
    const key = text(16, 2)
    const plaintext = text(30, 3)
    const body = await encrypt(plaintext, { key, recordSize: 4096 })
    expect(await decrypt(body.slice(), { key })).toEqual(plaintext)
    // RFC 8188 does not authenticate rs: a single record still decrypts under any rs that holds it.
    const rs = body.slice()
    new DataView(rs.buffer).setUint32(16, 100)
    expect(await decrypt(rs, { key })).toEqual(plaintext)
    expect(changedOnlyIn(body, rs, [RS_FIELD])).toBe(true)
    expect(changedOnlyIn(body, body.slice(0, -1), [RS_FIELD])).toBe(false)
    const flipped = body.slice()
    flipped[30] = (flipped[30] as number) ^ 1
    expect(changedOnlyIn(body, flipped, [RS_FIELD])).toBe(false)
    // Nor the key id when the key is given directly: the same salt and record behind a rewritten
    // header (here, as a mutation that repeats the first 17 octets makes it when the salt's fourth
    // octet is 17: rs becomes 00 s0 s1 s2 and a 17-octet key id swallows the repeat) still opens to
    // the same plaintext. The oracle counts that as the same ciphertext, not a forgery.
    const salt = text(16, 4)
    salt[3] = 17
    const one = await encrypt(plaintext, { key, salt, recordSize: 4096 })
    const repeated = concat(one.subarray(0, 17), one)
    expect(await decrypt(repeated, { key })).toEqual(plaintext)
    expect(changedOnlyIn(one, repeated, [RS_FIELD, [21, 21]])).toBe(false)
    expect(sameCiphertext(one, repeated)).toBe(true)
    expect(sameCiphertext(one, flipped)).toBe(false)
    expect(sameCiphertext(body, one)).toBe(false)
    // The PRNG is deterministic for a seed.
    const a = prng(42)
    const b = prng(42)
    expect([a(), a(), a()]).toEqual([b(), b(), b()])
  })
})
