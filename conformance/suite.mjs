// The conformance suite, runtime-neutral: it imports the BUILT packages as the runtime resolves them
// (each runtime's export conditions), and runs in Deno, Bun and Node alike.
//   deno run --allow-net=127.0.0.1 suite.mjs '<subscription JSON>' '<text to push>'
//   bun run suite.mjs '<subscription JSON>' '<text to push>'
// The subscription is a local @wp/push-service's test subscriber; the harness that started the
// service reads what the subscriber decrypted. Prints the runtime and its crypto backends first
// (`runtime deno, crypto backends: encrypt node, sign noble`: encryption and ES256 signing may run on
// different ones), one line per check, and a last line `CONFORMANCE {json}` with every check's name
// and result.
// Where there is no command line (a Worker, a page), import it and call `runChecks()`: the suite
// runs only when it is the script a runtime was started with.
import {
  base64urlDecode,
  base64urlEncode,
  decrypt,
  decryptWebPush,
  encrypt,
  encryptWebPush,
  generateSubscriptionKeys,
  getBackend,
} from '@wp/ece'
import { generateVapidKeys, signVapidToken, verifyVapidToken } from '@wp/vapid'
import { webpush } from '@wp/webpush'
import rfc8188 from '../packages/ece/test/vectors/rfc8188.json' with { type: 'json' }
import rfc8291 from '../packages/ece/test/vectors/rfc8291.json' with { type: 'json' }

// workerd before Node: it has a `process` global too (and sets `import.meta.main` on a Worker's
// main module, which a bundle of this suite is).
const runtime = globalThis.Deno
  ? 'deno'
  : globalThis.Bun
    ? 'bun'
    : globalThis.navigator?.userAgent === 'Cloudflare-Workers'
      ? 'workerd'
      : globalThis.process?.versions?.node
        ? 'node'
        : 'browser'
const utf8 = (text) => new TextEncoder().encode(text)
const text = (bytes) => new TextDecoder().decode(bytes)
const b64 = (value) => base64urlDecode(value)

function same(actual, expected, what) {
  const a = actual instanceof Uint8Array ? base64urlEncode(actual) : String(actual)
  const e = expected instanceof Uint8Array ? base64urlEncode(expected) : String(expected)
  if (a !== e) throw new Error(`${what}: expected ${e.slice(0, 80)}, got ${a.slice(0, 80)}`)
}

async function refused(promise, code, what) {
  try {
    await promise
  } catch (error) {
    if (error?.code === code) return
    throw new Error(`${what}: expected ${code}, got ${error?.code ?? error}`)
  }
  throw new Error(`${what}: expected ${code}, it was accepted`)
}

const [single, multi] = rfc8188.examples
const checks = {
  'rfc8188-3.1-encrypt': async () => {
    const body = await encrypt(single.plaintext_text, { key: single.ikm, salt: single.salt, recordSize: 4096 })
    same(body, b64(single.body), 'RFC 8188 §3.1 body')
  },
  'rfc8188-3.1-decrypt': async () => {
    same(
      text(await decrypt(b64(single.body), { key: b64(single.ikm) })),
      single.plaintext_text,
      'RFC 8188 §3.1 plaintext',
    )
  },
  'rfc8188-3.2-encrypt': async () => {
    const expected = b64(multi.body)
    const body = await encrypt(utf8(multi.plaintext_text), {
      key: b64(multi.ikm),
      salt: expected.subarray(0, 16),
      recordSize: multi.record_size,
      keyId: multi.keyid_text,
      padding: 1,
    })
    same(body, expected, 'RFC 8188 §3.2 body')
  },
  'rfc8188-3.2-decrypt': async () => {
    const seen = []
    const plaintext = await decrypt(b64(multi.body), {
      keyLookup: (keyId) => {
        seen.push(text(keyId))
        return multi.ikm
      },
    })
    same(seen.join(','), multi.keyid_text, 'RFC 8188 §3.2 key id')
    same(text(plaintext), multi.plaintext_text, 'RFC 8188 §3.2 plaintext')
  },
  'rfc8291-A-encrypt': async () => {
    const pushed = await encryptWebPush(
      b64(rfc8291.plaintext),
      { p256dh: rfc8291.ua_public, auth: rfc8291.auth_secret },
      { salt: rfc8291.salt, senderKeys: { privateKey: rfc8291.as_private, publicKey: rfc8291.as_public } },
    )
    same(pushed.body, b64(rfc8291.body), 'RFC 8291 Appendix A body')
  },
  'rfc8291-A-decrypt': async () => {
    const plaintext = await decryptWebPush(b64(rfc8291.body), {
      privateKey: rfc8291.ua_private,
      publicKey: rfc8291.ua_public,
      auth: rfc8291.auth_secret,
    })
    same(text(plaintext), rfc8291.plaintext_text, 'RFC 8291 Appendix A plaintext')
  },
  'roundtrip-aes128gcm': () => roundTrip('aes128gcm'),
  'roundtrip-aesgcm': () => roundTrip('aesgcm'),
  'vapid-sign-verify': async () => {
    const keys = await generateVapidKeys()
    const audience = 'https://push.example.net'
    const token = await signVapidToken({ key: keys.privateKey, audience, subject: 'mailto:conformance@example.com' })
    const claims = await verifyVapidToken(token, keys.publicKey, { audience })
    same(claims.aud, audience, 'aud claim')
    same(claims.sub, 'mailto:conformance@example.com', 'sub claim')
    // One changed character in the signature, then in the payload: both refused.
    const [header, payload, signature] = token.split('.')
    const flip = (part) => (part[0] === 'A' ? 'B' : 'A') + part.slice(1)
    await refused(
      verifyVapidToken(`${header}.${payload}.${flip(signature)}`, keys.publicKey),
      'ERR_WP_VAPID_TOKEN',
      'a tampered signature',
    )
    await refused(
      verifyVapidToken(`${header}.${flip(payload)}.${signature}`, keys.publicKey),
      'ERR_WP_VAPID_TOKEN',
      'a tampered payload',
    )
    const other = await generateVapidKeys()
    await refused(verifyVapidToken(token, other.publicKey), 'ERR_WP_VAPID_TOKEN', 'another key')
  },
  'webpush-send': async ({ subscription, pushText }) => {
    const vapid = await generateVapidKeys()
    // No transport option: createTransport() as this runtime's export conditions resolve it.
    const response = await webpush(subscription, pushText, {
      vapidPrivateKey: vapid.privateKey,
      vapidClaims: { sub: 'mailto:conformance@example.com' },
      ttl: 60,
      allowPrivateNetwork: [new URL(subscription.endpoint).origin],
    })
    same(response.status, 201, 'push service status')
    if (runtime !== 'node') same(response.protocol, undefined, 'protocol (the fetch transport reports none)')
  },
}

async function roundTrip(encoding) {
  const receiver = await generateSubscriptionKeys()
  const message = `round trip in ${encoding}: ✓`
  const pushed = await encryptWebPush(message, { p256dh: receiver.publicKey, auth: receiver.auth }, { encoding })
  same(pushed.encoding, encoding, 'encoding')
  const plaintext = await decryptWebPush(pushed.body, receiver, { encoding, headers: pushed.headers })
  same(text(plaintext), message, `${encoding} plaintext`)
}

/**
 * Runs every check, pushing `pushText` to `subscription` (a local push service's test subscriber)
 * in the last one. `log` gets one line per check, the runtime and its crypto backends (to encrypt,
 * to sign) first and the `CONFORMANCE {json}` line last; the report's `backend` is the encryption one.
 * @param {{ endpoint: string, keys: { p256dh: string, auth: string } }} subscription
 * @param {string} pushText
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<{ runtime: string, backend: string, backends: { encrypt: string, sign: string }, results: { name: string, ok: boolean, error?: string }[] }>}
 */
export async function runChecks(subscription, pushText, { log = console.log } = {}) {
  // The runtime's defaults: @wp/vapid signs on getBackend('sign'), everything else runs on getBackend('encrypt').
  const backends = { encrypt: getBackend('encrypt').name, sign: getBackend('sign').name }
  const backend = backends.encrypt
  log(`runtime ${runtime}, crypto backends: encrypt ${backends.encrypt}, sign ${backends.sign}`)
  const results = []
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check({ subscription, pushText })
      results.push({ name, ok: true })
      log(`ok ${name}`)
    } catch (error) {
      results.push({ name, ok: false, error: String(error?.stack ?? error) })
      log(`FAILED ${name}: ${error?.stack ?? error}`)
    }
  }
  const report = { runtime, backend, backends, results }
  log(`CONFORMANCE ${JSON.stringify(report)}`)
  return report
}

// As a script: `import.meta.main` in Deno and Bun, the script path in Node (which has no
// `import.meta.main` before 24.2). In a Worker or a page this module is only imported.
const script = globalThis.process?.argv?.[1] ?? ''
const cli = runtime === 'deno' || runtime === 'bun' || runtime === 'node'
if (cli && (import.meta.main ?? /(^|[/\\])suite\.mjs$/.test(script))) {
  const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2)
  await runChecks(JSON.parse(args[0]), args[1])
}
