#!/usr/bin/env node
/**
 * `wp-push-worker --redis URL --key FILE --subject URI [--concurrency N] [--name Q] [--allow-private-network]`:
 * a push worker process. Sends the chunks of a @wp/queue queue until SIGTERM or SIGINT, then drains
 * (no new message starts, those in flight record their results, the rest goes back on the queue)
 * and exits 0.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { WebPushError } from '@wp/ece'
import { checkRedisUrl } from './internal/redis.js'
import { type PushWorker, startPushWorker } from './worker.js'

const USAGE = `Usage: wp-push-worker --redis URL --key FILE --subject URI [options]

  --redis URL              the Redis of the queue (redis:// or rediss://)
  --key FILE               the VAPID private key (PEM, as written by \`vapid --gen\`)
  --subject URI            the VAPID subject: mailto: or https:
  --concurrency N          messages in flight in this process (default 100)
  --name Q                 the queue's name (default wp-push)
  --lock-duration MS       how long a chunk stays locked by a worker that stopped answering (default 30000)
  --allow-private-network  send to endpoints on private networks and http: (a local push service)

Prints "ready" when it takes work, and one JSON line {"gone": endpoint} per subscription found gone.
SIGTERM or SIGINT: drains and exits 0 within 10 s. Exit 2 on a usage error, 1 on a failure.
`

/** How long a SIGTERM lets messages in flight finish: the exit comes within 10 s, whatever Redis does. */
const DRAIN_MS = 7000
/** How long a stop waits for a start in progress: longer, and the start is waiting for Redis. */
const START_GRACE_MS = 2000
/** A stop that has not finished by then exits 1 at once. */
const HARD_STOP_MS = 10_000

function usage(message: string): void {
  process.stderr.write(`wp-push-worker: ${message}\n\n${USAGE}`)
  process.exitCode = 2
}

function positive(value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined
  return /^\d{1,9}$/.test(value) && Number(value) > 0 ? Number(value) : null
}

/** The command line's options, or the message of a usage error. */
function parse() {
  try {
    return parseArgs({
      options: {
        redis: { type: 'string' },
        key: { type: 'string' },
        subject: { type: 'string' },
        concurrency: { type: 'string' },
        name: { type: 'string' },
        'lock-duration': { type: 'string' },
        'allow-private-network': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (error) {
    return (error as Error).message
  }
}

async function main(): Promise<void> {
  const values = parse()
  if (typeof values === 'string') return usage(values)
  if (values.help) {
    process.stdout.write(USAGE)
    return
  }
  if (values.redis === undefined) return usage('--redis is required')
  // Usage errors come before any file is read or connection made, and name the option, not the API's field.
  try {
    checkRedisUrl(values.redis, '--redis')
  } catch (error) {
    return usage((error as Error).message)
  }
  if (values.key === undefined) return usage('--key is required: the VAPID private key file')
  if (values.subject === undefined) return usage('--subject is required: mailto: or https:')
  const concurrency = positive(values.concurrency)
  if (concurrency === null) return usage('--concurrency must be a positive integer')
  const lockDuration = positive(values['lock-duration'])
  if (lockDuration === null) return usage('--lock-duration must be a positive integer (ms)')

  let pem: string
  try {
    pem = await readFile(values.key, 'utf8')
  } catch (error) {
    process.stderr.write(`wp-push-worker: cannot read --key ${values.key}: ${(error as NodeJS.ErrnoException).code}\n`)
    process.exitCode = 1
    return
  }
  // The signals are ours from before the start: a worker takes chunks as soon as it exists, and a
  // stop must drain them, never let the default action kill the process with messages in flight.
  let starting: Promise<PushWorker | undefined> | undefined
  const stop = (): void => {
    // A second signal during the drain exits at once.
    process.once('SIGTERM', () => process.exit(1))
    process.once('SIGINT', () => process.exit(1))
    const hard = setTimeout(() => process.exit(1), HARD_STOP_MS)
    hard.unref()
    // A start that has not finished within a moment is waiting for Redis: no chunk can be held yet.
    const startGrace = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), START_GRACE_MS).unref())
    void Promise.race([starting, startGrace])
      .then((worker) => worker?.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`wp-push-worker: ${(error as Error).message}\n`)
          process.exit(1)
        },
      )
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)

  // Commands wait while Redis is away; at start, an unreachable Redis is a failure, not a wait.
  const unreachable = setTimeout(() => {
    process.stderr.write(`wp-push-worker: cannot reach Redis at --redis within 30 s\n`)
    process.exit(1)
  }, 30_000)
  starting = startPushWorker({
    connection: values.redis,
    vapid: { privateKey: pem, subject: values.subject },
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(lockDuration === undefined ? {} : { lockDuration }),
    ...(values['allow-private-network'] === true ? { allowPrivateNetwork: true } : {}),
    // Leaves close() its second of grace past the drain and the process a margin under its 10 s.
    drainTimeoutMs: DRAIN_MS,
    onGone: (subscription) => {
      const endpoint = (subscription as { endpoint?: unknown } | null)?.endpoint
      process.stdout.write(`${JSON.stringify({ gone: endpoint })}\n`)
    },
    onError: (error) => process.stderr.write(`wp-push-worker: redis: ${error.message}\n`),
  }).then(
    (worker) => worker,
    (error: unknown) => {
      const code = WebPushError.is(error) ? `${error.code}: ` : ''
      process.stderr.write(`wp-push-worker: ${code}${(error as Error).message}\n`)
      process.exitCode = WebPushError.is(error) && error.code === 'ERR_WP_INVALID_ARGUMENT' ? 2 : 1
      process.removeListener('SIGTERM', stop)
      process.removeListener('SIGINT', stop)
      return undefined
    },
  )
  const worker = await starting
  clearTimeout(unreachable)
  if (worker !== undefined) process.stdout.write('ready\n')
}

await main()
