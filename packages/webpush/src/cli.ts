#!/usr/bin/env node
/**
 * `webpush`: send one Web Push message from the shell, pywebpush's command with web-push's flags.
 *
 *   webpush --info SUB.json [--data FILE] [--claims FILE --key FILE] [--curl] ...
 *   webpush --endpoint URL --p256dh KEY --auth SECRET [--data FILE] ...
 *   webpush generate-vapid-keys [--json]
 *
 * Errors go to stderr (with the push service's reason for a refusal); the exit status is 1 on any
 * failure and 2 for a usage error. No key, secret or token is ever printed, except the keys that
 * `generate-vapid-keys` is asked to make.
 */
import { createReadStream, createWriteStream, read, type WriteStream } from 'node:fs'
import { access, open, readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { type ContentEncoding, maxPlaintextLength, WebPushError } from '@wp/ece'
import { PushServiceError } from '@wp/transport'
import { generateVapidKeys } from '@wp/vapid'
import { createPushClient } from './client.js'
import type { Urgency } from './internal/headers.js'
import type { PushSubscriptionJSON } from './internal/prepare.js'
import type { SendOutcome } from './send-many.js'
import { type VapidClaimsInput, type WebPushOptions, webpush } from './webpush.js'

const USAGE = `Usage: webpush [options]
       webpush send-many --subscriptions FILE.jsonl --data FILE [--out FILE] [--concurrency N] [options]
       webpush generate-vapid-keys [--json]

Send one message:
  --info FILE                the subscription JSON ({"endpoint","keys":{"p256dh","auth"}})
  --endpoint URL             or the subscription as three flags: the endpoint,
  --p256dh KEY               the user agent's public key (base64url)
  --auth SECRET              and its authentication secret (base64url)
  --data FILE                the message body (its bytes, as they are; "-": stdin); none: a push without payload
  --head FILE                extra headers, a JSON object of names and string values
  --claims FILE              VAPID claims JSON: "sub" (mailto: or https:), optionally "aud" and "exp"
  --key FILE                 the VAPID private key (PEM, DER or raw base64url)
  --ttl SECONDS              how long the push service keeps the message (default 2419200)
  --urgency LEVEL            very-low, low, normal or high
  --topic TOPIC              a later message with this topic replaces a waiting one
  --encoding NAME            aes128gcm (default) or aesgcm
  --timeout SECONDS          each attempt's time limit
  --wns                      add the X-WNS-Cache-Policy header (cache when the TTL is above 0)
  --curl                     print the curl command that sends the message instead of sending it
  --allow-private-network    allow the endpoint's origin (alone) to be private or http: (a local push service)
  --allow-origin ORIGIN      allow this origin (http://127.0.0.1:8090) to be private or http:; repeatable;
                             not with --allow-private-network
  --verbose                  say what is sent and what the push service answered, on stderr

send-many                    send --data to every subscription of a JSON-lines file, one per line
  --subscriptions FILE       the file ("-": stdin); read as it goes, so of any size
  --data FILE                as above ("-": stdin, when the subscriptions are not read from it)
  --out FILE                 write one JSON result line per subscription here (default: stdout)
  --concurrency N            messages in flight (default 100)
  --claims, --key, --head, --ttl, --urgency, --topic, --encoding, --timeout: as above; the claims
                             hold "sub" only (each push service gets its own "aud", and "exp" is renewed)
  --allow-private-network    allow every endpoint of the file to be private or http:
  --allow-origin ORIGIN      allow only these origins to be (repeatable): as above
  A progress bar goes to stderr on a terminal (plain lines otherwise), then a summary; the exit
  status is 1 if any message failed (a subscription that is gone is not a failure).

generate-vapid-keys          print a new key pair (base64url)
  --json                     as {"publicKey","privateKey"}

Exit status: 0 when sent, 1 on any failure, 2 for a usage error.
`

class UsageError extends Error {}

/** The flags as `parseArgs` gives them. */
type Values = Record<string, string | boolean | string[] | undefined>

/** The text of a file the user named; a missing or unreadable file is a usage error. */
async function readUserFile(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (cause) {
    const code = (cause as { code?: string }).code
    throw new UsageError(code === 'ENOENT' ? `${flag}: no file at ${path}` : `${flag}: cannot read ${path}`)
  }
}

/** Fills `buffer` from `next(offset, length)` (bytes read, 0 at the end) until the end or the buffer is full. */
async function fill(
  buffer: Uint8Array,
  next: (offset: number, length: number) => Promise<number>,
): Promise<Uint8Array> {
  let length = 0
  while (length < buffer.length) {
    const n = await next(length, buffer.length - length)
    if (n === 0) break
    length += n
  }
  return buffer.subarray(0, length)
}

/** One read(2) of stdin; a stdin left non-blocking by its parent is waited on, not an error. */
function readStdin(buffer: Uint8Array, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const attempt = (): void =>
      read(0, buffer, offset, length, null, (error, n) => {
        if (error?.code === 'EAGAIN') setTimeout(attempt, 10)
        else if (error) reject(error)
        else resolve(n)
      })
    attempt()
  })
}

/**
 * The payload of --data: a file's bytes, or stdin's for "-". At most the encoding's limit plus one
 * byte is read (RFC 8291 §4: one record of 4096 bytes), so that a larger or endless input is refused
 * without being read to its end.
 * @throws WebPushError `ERR_WP_PAYLOAD_TOO_LARGE` naming the source and the limit
 */
async function readPayload(path: string, encoding: ContentEncoding | undefined): Promise<Uint8Array> {
  const name = encoding ?? 'aes128gcm'
  const limit = maxPlaintextLength(name)
  const buffer = new Uint8Array(limit + 1)
  let bytes: Uint8Array
  if (path === '-') bytes = await fill(buffer, (offset, length) => readStdin(buffer, offset, length))
  else {
    const file = await open(path).catch((cause: { code?: string }) => {
      throw new UsageError(cause.code === 'ENOENT' ? `--data: no file at ${path}` : `--data: cannot read ${path}`)
    })
    try {
      bytes = await fill(buffer, async (offset, length) => (await file.read(buffer, offset, length, null)).bytesRead)
    } catch {
      throw new UsageError(`--data: cannot read ${path}`)
    } finally {
      await file.close()
    }
  }
  if (bytes.length > limit)
    throw new WebPushError(
      'ERR_WP_PAYLOAD_TOO_LARGE',
      `--data: ${path === '-' ? 'stdin' : path} holds more than ${limit} bytes; an ${name} push message holds at most ${limit}`,
    )
  return bytes
}

async function readJsonObject(path: string, flag: string): Promise<Record<string, unknown>> {
  const text = (await readUserFile(path, flag)).toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new UsageError(`${flag}: ${path} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${flag}: ${path} must hold a JSON object`)
  return value as Record<string, unknown>
}

/** A whole number of seconds or more from a flag; `what` names the flag. */
function number(value: string, flag: string, min: number): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < min)
    throw new UsageError(`${flag} must be a number of at least ${min}, got "${value}"`)
  return n
}

/** The subscription of --info, or of --endpoint/--p256dh/--auth. */
async function subscriptionOf(values: Values): Promise<PushSubscriptionJSON> {
  const parts = ['endpoint', 'p256dh', 'auth'].filter((name) => values[name] !== undefined)
  if (values.info !== undefined) {
    if (parts.length > 0) throw new UsageError(`--info and --${parts[0]} cannot be used together`)
    return (await readJsonObject(values.info as string, '--info')) as unknown as PushSubscriptionJSON
  }
  if (parts.length === 0) throw new UsageError('no subscription: pass --info FILE or --endpoint, --p256dh and --auth')
  if (values.endpoint === undefined) throw new UsageError('--p256dh and --auth need --endpoint')
  // Without keys: a push without payload, as web-push allows.
  if (values.p256dh === undefined && values.auth === undefined)
    return { endpoint: values.endpoint as string } as PushSubscriptionJSON
  if (values.p256dh === undefined || values.auth === undefined) throw new UsageError('--p256dh and --auth go together')
  return {
    endpoint: values.endpoint as string,
    keys: { p256dh: values.p256dh as string, auth: values.auth as string },
  }
}

/** The origin of a subscription's endpoint, for --allow-private-network; checked again by webpush(). */
function originOf(subscription: PushSubscriptionJSON): string {
  try {
    return new URL(subscription.endpoint).origin
  } catch {
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'the subscription endpoint must be an absolute URL')
  }
}

/**
 * The origins of --allow-origin, spelled as `URL.origin` spells them (the endpoint's origin is
 * compared with them as is); each must be an http(s) URL with nothing but scheme, host and port.
 */
function allowedOrigins(values: string[]): string[] {
  return values.map((value) => {
    let url: URL | undefined
    try {
      url = new URL(value)
    } catch {
      url = undefined
    }
    if (
      url === undefined ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.pathname !== '/' ||
      url.search !== '' ||
      url.hash !== '' ||
      url.username !== '' ||
      url.password !== ''
    )
      throw new UsageError(
        `--allow-origin must be an origin such as http://127.0.0.1:8090 (scheme, host and port only), got "${value}"`,
      )
    return url.origin
  })
}

/**
 * `allowPrivateNetwork` from the flags: --allow-origin's list, or with --allow-private-network every
 * endpoint (`all`: the one endpoint's origin for a single send, `true` for send-many); else none.
 */
function privateNetworkOf(values: Values, all: () => true | string[]): boolean | string[] | undefined {
  const origins = values['allow-origin'] as string[] | undefined
  if (origins !== undefined && values['allow-private-network'])
    throw new UsageError('--allow-origin and --allow-private-network cannot be used together: pass one or the other')
  if (origins !== undefined) return allowedOrigins(origins)
  return values['allow-private-network'] ? all() : undefined
}

async function send(values: Values, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const subscription = await subscriptionOf(values)
  const options: WebPushOptions = {}
  const data =
    values.data === undefined
      ? undefined
      : await readPayload(values.data as string, values.encoding as ContentEncoding | undefined)
  if (values.head !== undefined)
    options.headers = (await readJsonObject(values.head as string, '--head')) as Record<string, string>
  if ((values.claims === undefined) !== (values.key === undefined))
    throw new UsageError(values.key === undefined ? '--claims needs --key FILE' : '--key needs --claims FILE')
  if (values.claims !== undefined) {
    options.vapidClaims = (await readJsonObject(values.claims as string, '--claims')) as unknown as VapidClaimsInput
    // The file's path: webpush() reads it (PEM, DER or raw) and never prints it.
    options.vapidPrivateKey = values.key as string
  }
  if (values.ttl !== undefined) options.ttl = number(values.ttl as string, '--ttl', 0)
  if (values.urgency !== undefined) options.urgency = values.urgency as Urgency
  if (values.topic !== undefined) options.topic = values.topic as string
  if (values.encoding !== undefined) options.contentEncoding = values.encoding as ContentEncoding
  if (values.timeout !== undefined)
    options.timeout = Math.max(1, Math.round(number(values.timeout as string, '--timeout', 0.001) * 1000))
  if (values.wns) {
    const ttl = options.ttl ?? 2419200
    options.headers = { ...options.headers, 'X-WNS-Cache-Policy': ttl > 0 ? 'cache' : 'no-cache' }
  }
  const allow = privateNetworkOf(values, () => [originOf(subscription)])
  if (allow !== undefined) options.allowPrivateNetwork = allow
  if (values.curl) {
    out(await webpush(subscription, data, { ...options, curl: true }))
    return 0
  }
  if (values.verbose)
    err(`sending ${data?.length ?? 0} bytes to ${originOf(subscription)} (${options.contentEncoding ?? 'aes128gcm'})`)
  const response = await webpush(subscription, data, options)
  if (values.verbose) err(`${response.status} ${response.outcome}${response.body ? `: ${response.body}` : ''}`)
  out(`${response.status} ${response.outcome}`)
  return 0
}

/** Each line of a JSON-lines file (or stdin), parsed; a line that is not JSON is passed on as its text (an invalid subscription). */
async function* jsonLines(path: string): AsyncGenerator<unknown> {
  const input = path === '-' ? process.stdin : createReadStream(path)
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    try {
      yield JSON.parse(line)
    } catch {
      yield line
    }
  }
}

/**
 * Progress on stderr: on a terminal, a bar redrawn in place at most 10 times a second (its fill
 * sweeps, as a stream's length is unknown, beside the counts); otherwise a plain line at most once a
 * second. `end` draws the final counts on a terminal.
 */
function progressReporter(err: (line: string) => void): {
  update(done: number, sent: number, failed: number): void
  end(): void
} {
  const tty = process.stderr.isTTY === true
  let last = 0
  let counts = ''
  const draw = (now: number): void => {
    const width = 30
    const filled = Math.min(width, Math.floor(now / 100) % (width + 1))
    process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${counts}`)
  }
  return {
    update(done, sent, failed) {
      counts = `${done} done, ${sent} sent, ${failed} not sent`
      const now = Date.now()
      if (now - last < (tty ? 100 : 1000)) return
      last = now
      if (tty) draw(now)
      else err(`progress: ${counts}`)
    },
    end() {
      if (tty && counts !== '') {
        draw(Date.now())
        process.stderr.write('\n')
      }
    },
  }
}

/**
 * The "sub" of send-many's claims, the only claim a batch can take: each push service gets its own
 * token with its origin as "aud" (RFC 8292 §2), renewed as the batch goes, so a fixed "aud" or "exp"
 * could not hold for every message. They are refused rather than ignored.
 */
function batchSubject(claims: Record<string, unknown>): string {
  for (const name of Object.keys(claims)) {
    if (name === 'aud')
      throw new UsageError(
        '--claims: send-many signs for each push service with its own "aud" (the origin of its endpoints); remove "aud"',
      )
    if (name === 'exp')
      throw new UsageError(
        '--claims: send-many renews its tokens as it goes; "exp" cannot hold for a whole batch, remove it',
      )
    if (name !== 'sub') throw new UsageError(`--claims: unknown claim "${name}"; send-many takes "sub" only`)
  }
  if (typeof claims.sub !== 'string') throw new UsageError('--claims: the claims need "sub" (a mailto: or https: URI)')
  return claims.sub
}

/** The --out file, open before anything is sent: one that cannot be opened is a usage error. */
async function openOut(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path)
  await new Promise((resolve, reject) => {
    stream.once('open', resolve)
    stream.once('error', reject)
  }).catch(() => {
    throw new UsageError(`--out: cannot write ${path}`)
  })
  return stream
}

/** `webpush send-many`: one message to every subscription of a JSON-lines file. */
async function sendManyCommand(
  values: Values,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  if (values.subscriptions === undefined) throw new UsageError('send-many needs --subscriptions FILE.jsonl')
  if (values.data === undefined) throw new UsageError('send-many needs --data FILE')
  for (const flag of ['info', 'endpoint', 'p256dh', 'auth', 'curl', 'wns'])
    if (values[flag] !== undefined) throw new UsageError(`--${flag} does not go with send-many`)
  if (values.claims === undefined || values.key === undefined)
    throw new UsageError('send-many needs --claims and --key')
  const concurrency = values.concurrency === undefined ? 100 : number(values.concurrency as string, '--concurrency', 1)
  if (!Number.isInteger(concurrency))
    throw new UsageError(`--concurrency must be a whole number, got "${values.concurrency}"`)
  const path = values.subscriptions as string
  if (values.data === '-' && path === '-') throw new UsageError('--data - and --subscriptions - cannot both read stdin')
  const data = await readPayload(values.data as string, values.encoding as ContentEncoding | undefined)
  if (path !== '-')
    await access(path).catch(() => Promise.reject(new UsageError(`--subscriptions: cannot read ${path}`)))
  const subject = batchSubject(await readJsonObject(values.claims as string, '--claims'))
  const defaults: WebPushOptions = {}
  if (values.head !== undefined)
    defaults.headers = (await readJsonObject(values.head as string, '--head')) as Record<string, string>
  if (values.ttl !== undefined) defaults.ttl = number(values.ttl as string, '--ttl', 0)
  if (values.urgency !== undefined) defaults.urgency = values.urgency as Urgency
  if (values.topic !== undefined) defaults.topic = values.topic as string
  if (values.encoding !== undefined) defaults.contentEncoding = values.encoding as ContentEncoding
  const timeoutMs =
    values.timeout === undefined
      ? undefined
      : Math.max(1, Math.round(number(values.timeout as string, '--timeout', 0.001) * 1000))
  const sink = values.out === undefined ? undefined : await openOut(values.out as string)
  const allow = privateNetworkOf(values, () => true)
  const client = createPushClient({
    vapid: { privateKey: values.key as string, subject },
    concurrency,
    defaults,
    ...(allow === undefined ? {} : { allowPrivateNetwork: allow }),
    ...(timeoutMs === undefined ? {} : { transport: { timeoutMs } }),
  })
  // A write that fails later (a full disk) ends the batch with one line naming the file.
  let outFailure: Error | undefined
  const outError = (error: NodeJS.ErrnoException): Error => {
    outFailure ??= new Error(`--out: cannot write ${values.out}${error.code ? ` (${error.code})` : ''}`)
    return outFailure
  }
  sink?.on('error', outError)
  const write = async (line: string): Promise<void> => {
    if (sink === undefined) return out(line)
    if (outFailure === undefined && !sink.write(`${line}\n`))
      await new Promise<void>((resolve) => {
        const done = (): void => {
          sink.off('drain', done).off('close', done)
          resolve()
        }
        sink.once('drain', done).once('close', done)
      })
    if (outFailure !== undefined) throw outFailure
  }
  const counts: Partial<Record<SendOutcome, number>> = {}
  let sent = 0
  let gone = 0
  let failed = 0
  const progress = progressReporter(err)
  try {
    for await (const result of client.sendMany(jsonLines(values.subscriptions as string), data)) {
      const line: Record<string, unknown> = { line: result.index + 1, ok: result.ok, outcome: result.outcome }
      const response = result.response ?? (result.error as { response?: { status: number; reason?: string } })?.response
      if (response !== undefined) line.status = response.status
      if (response?.reason !== undefined) line.reason = response.reason
      if (!result.ok && response === undefined && result.error instanceof Error) line.error = result.error.message
      if (result.ok) sent++
      else if (result.outcome === 'gone') gone++
      else {
        failed++
        counts[result.outcome] = (counts[result.outcome] ?? 0) + 1
      }
      await write(JSON.stringify(line))
      progress.update(sent + gone + failed, sent, gone + failed)
    }
  } finally {
    progress.end()
    await client.close()
    if (sink !== undefined)
      await new Promise<void>((resolve, reject) => {
        if (outFailure === undefined) sink.end((e?: Error | null) => (e ? reject(outError(e)) : resolve()))
        else {
          sink.destroy()
          reject(outFailure)
        }
      })
  }
  const byOutcome = Object.entries(counts)
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(', ')
  err(`sent ${sent}, gone ${gone}, failed ${failed}${byOutcome === '' ? '' : ` (${byOutcome})`}`)
  return failed > 0 ? 1 : 0
}

export async function main(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      info: { type: 'string' },
      endpoint: { type: 'string' },
      p256dh: { type: 'string' },
      auth: { type: 'string' },
      data: { type: 'string' },
      head: { type: 'string' },
      claims: { type: 'string' },
      key: { type: 'string' },
      ttl: { type: 'string' },
      urgency: { type: 'string' },
      topic: { type: 'string' },
      encoding: { type: 'string' },
      timeout: { type: 'string' },
      wns: { type: 'boolean' },
      curl: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'allow-private-network': { type: 'boolean' },
      'allow-origin': { type: 'string', multiple: true },
      subscriptions: { type: 'string' },
      out: { type: 'string' },
      concurrency: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  if (values.help) {
    out(USAGE)
    return 0
  }
  const [command, ...rest] = positionals
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`)
  switch (command) {
    case undefined:
      if (values.json) throw new UsageError('--json goes with generate-vapid-keys')
      return send(values, out, err)
    case 'send-many':
      return sendManyCommand(values, out, err)
    case 'generate-vapid-keys': {
      const pair = await generateVapidKeys()
      if (values.json) out(JSON.stringify({ publicKey: pair.publicKey, privateKey: pair.privateKey }))
      else out(`Public Key:\n${pair.publicKey}\n\nPrivate Key:\n${pair.privateKey}`)
      return 0
    }
    default:
      throw new UsageError(`unknown command "${command}"`)
  }
}

/**
 * What a failure prints after "webpush: " and its exit status: 2 and the usage text for a usage
 * error, 1 for anything else (a refusal with the service's status and reason, a `WebPushError` with
 * its code, any other error by its message alone: never a stack).
 */
function failure(error: unknown): [text: string, status: 1 | 2] {
  const code = (error as { code?: unknown } | null)?.code
  if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')))
    return [`${(error as Error).message}\n\n${USAGE}`, 2]
  if (error instanceof PushServiceError)
    return [
      `the push service refused the message: ${error.statusCode} ${error.outcome}${error.reason ? `: ${error.reason}` : ''}`,
      1,
    ]
  if (WebPushError.is(error)) return [`${error.message} (${error.code})`, 1]
  return [error instanceof Error ? error.message : String(error), 1]
}

async function run(): Promise<void> {
  const write = (stream: NodeJS.WriteStream) => (line: string) => stream.write(line.endsWith('\n') ? line : `${line}\n`)
  try {
    process.exitCode = await main(process.argv.slice(2), write(process.stdout), write(process.stderr))
  } catch (error) {
    const [text, status] = failure(error)
    write(process.stderr)(`webpush: ${text}`)
    process.exitCode = status
  }
}

await run()
