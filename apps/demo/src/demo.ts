/**
 * `createDemo()`: the whole demo in one process (the database, the key, the sender, the local
 * service, the HTTP server). The sender is a push client, or with `REDIS_URL` a @wp/queue queue and
 * its worker.
 */
import { randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createAdaptorServer } from '@hono/node-server'
import { WebPushError } from '@wp/ece'
import { type PushService, startPushService } from '@wp/push-service'
import { createPushClient } from '@wp/webpush'
import type Database from 'better-sqlite3'
import { createApp } from './app.js'
import { type DemoConfig, resolveConfig } from './config.js'
import { openStore, type Store } from './db.js'
import { createEventHub } from './internal/events.js'
import { errorBody } from './internal/http-error.js'
import { clientSender, type Sender, startQueueSender } from './internal/sender.js'
import { loadOrCreateVapidKey } from './vapid-key.js'

/** Subscriptions the demo stores at most, unless told otherwise. */
const DEFAULT_MAX_SUBSCRIPTIONS = 10_000

/** Options of {@link createDemo}: any setting (see `DemoConfig`), plus these. */
export interface DemoOptions extends Partial<DemoConfig> {
  /** The page's folder (default: the package's `public/`). */
  publicDir?: string
  /** Event streams open at once (default 32). */
  maxEventStreams?: number
  /** Subscriptions stored at most (default 10000): `POST /api/subscriptions` needs no token. */
  maxSubscriptions?: number
  /** How often an idle event stream gets a keep-alive comment, in ms (default 15000). */
  keepAliveMs?: number
  /** Where notices and unexpected errors go (default: stderr). */
  log?: (line: string) => void
  /** The least time between two `progress` events of one batch, in ms (default 250). */
  progressIntervalMs?: number
  /** With `REDIS_URL`: how long Redis may take to answer at start, in ms (default 5000). */
  redisTimeoutMs?: number
}

/** A running demo. */
export interface Demo {
  /** The demo's base URL, `http://HOST:PORT` (the port it got, when 0 was asked). */
  url: string
  /** The URL to open: `http://HOST:PORT/#token=…`. */
  adminUrl: string
  /** The admin token (`DEMO_TOKEN`, or generated at start). */
  token: string
  /** The VAPID public key, base64url. */
  applicationServerKey: string
  /** The settings in force, with the ports actually bound. */
  config: DemoConfig
  /** The local push service in local mode (tests subscribe virtual user agents through it), else undefined. */
  localPushService: PushService | undefined
  /** With `REDIS_URL`, the @wp/queue queue the demo sends through (its worker runs beside it), else undefined. */
  queueName: string | undefined
  /** The demo's queries. */
  store: Store
  /** The SQLite connection (`DATA_DIR/demo.db`). */
  db: Database.Database
  /**
   * Stops everything, within seconds: new connections are refused, event streams end, batches in
   * flight are aborted (in-process, their deliveries recorded as `aborted`; through the queue, no
   * longer followed: they stay in Redis), then the client (or the worker and the queue), the local
   * service, the HTTP server and the database close. Safe to call more than once.
   */
  close(): Promise<void>
}

/** A URL's host part: IPv6 literals in brackets (RFC 3986 §3.2.2). */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (cause: NodeJS.ErrnoException): void =>
      reject(
        new WebPushError(
          'ERR_WP_NETWORK',
          `cannot listen on ${host}:${port} (${cause.code ?? 'error'}): set PORT or HOST`,
          {
            cause,
          },
        ),
      )
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/**
 * Starts the demo: opens (and migrates) `DATA_DIR/demo.db`, reads or makes `DATA_DIR/vapid.pem`,
 * starts the local push service in local mode, makes one long-lived push client (with `REDIS_URL`:
 * a @wp/queue queue and one worker in this process), and listens.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a bad setting, `ERR_WP_NETWORK` when a port is
 *   taken or Redis does not answer, `ERR_WP_VAPID_KEY` for an unreadable key file
 * @example
 * const demo = await createDemo({ port: 0, dataDir: tmp, localPushPort: 0 })
 * const subscriber = await demo.localPushService!.subscribe({ applicationServerKey: demo.applicationServerKey })
 * await demo.close()
 */
export async function createDemo(options: DemoOptions = {}): Promise<Demo> {
  const {
    publicDir,
    maxEventStreams,
    maxSubscriptions,
    keepAliveMs,
    log: logOption,
    progressIntervalMs,
    redisTimeoutMs,
    ...settings
  } = options
  const log = logOption ?? ((line: string) => process.stderr.write(`${line}\n`))
  const config = resolveConfig(settings)

  const cleanup: (() => Promise<void> | void)[] = []
  const unwind = async (): Promise<void> => {
    for (const step of cleanup.reverse()) await step()
  }
  try {
    const store = openStore(config.dataDir)
    cleanup.push(() => store.close())
    const key = await loadOrCreateVapidKey(config.dataDir)

    let localPushService: PushService | undefined
    if (config.pushService === 'local') {
      const service = await startPushService({ host: config.host, port: config.localPushPort })
      localPushService = service
      cleanup.push(() => service.close())
    }
    // The local service's origin alone may be private (and http:); every other endpoint is guarded.
    const allowPrivateNetwork = localPushService === undefined ? false : [new URL(localPushService.url).origin]
    let sender: Sender
    let queueName: string | undefined
    if (config.redisUrl === undefined) {
      sender = clientSender(
        createPushClient({ vapid: { privateKey: key, subject: config.vapidSubject }, allowPrivateNetwork }),
      )
    } else {
      // The worker runs in this process, not as `wp-push-worker` children: it takes the same
      // allowPrivateNetwork origins (the command only has all-or-nothing), removes gone
      // subscriptions from this database, and closes within the demo's own shutdown.
      const queued = await startQueueSender({
        redisUrl: config.redisUrl,
        key,
        subject: config.vapidSubject,
        allowPrivateNetwork,
        onGone: (subscription) => {
          if (typeof subscription?.id === 'string') store.deleteSubscription(subscription.id)
        },
        log,
        ...(redisTimeoutMs === undefined ? {} : { connectTimeoutMs: redisTimeoutMs }),
      })
      sender = queued
      queueName = queued.queueName
      log(`demo: sending through @wp/queue (queue ${queueName}) with one worker beside the demo`)
    }
    cleanup.push(() => sender.close())

    const token = config.token ?? randomBytes(32).toString('base64url')
    const events = createEventHub({
      ...(maxEventStreams === undefined ? {} : { maxStreams: maxEventStreams }),
      ...(keepAliveMs === undefined ? {} : { keepAliveMs }),
    })
    cleanup.push(() => events.close())
    const shutdown = new AbortController()
    const inFlight = new Set<Promise<unknown>>()
    let closing = false

    const app = createApp({
      store,
      sender,
      events,
      token,
      applicationServerKey: key.applicationServerKey,
      pushService: config.pushService,
      localPushService,
      publicDir: publicDir ?? fileURLToPath(new URL('../public', import.meta.url)),
      signal: shutdown.signal,
      log,
      maxSubscriptions: maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS,
      progressIntervalMs: progressIntervalMs ?? 250,
    })
    const server = createAdaptorServer({
      fetch: (request: Request) => {
        if (closing)
          return Response.json(errorBody('ERR_WP_SHUTTING_DOWN', 'the demo is shutting down'), {
            status: 503,
            headers: { Connection: 'close' },
          })
        const answer = Promise.resolve(app.fetch(request))
        inFlight.add(answer)
        const forget = (): void => {
          inFlight.delete(answer)
        }
        answer.then(forget, forget)
        return answer
      },
    }) as Server
    const port = await listen(server, config.port, config.host)
    const url = `http://${urlHost(config.host)}:${port}`
    const localPushPort =
      localPushService === undefined ? config.localPushPort : Number(new URL(localPushService.url).port)

    let closed: Promise<void> | undefined
    const close = (): Promise<void> =>
      (closed ??= (async () => {
        closing = true
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
        events.close()
        shutdown.abort()
        // The handlers still running (batches ending with 'aborted' results) write to the database.
        await Promise.allSettled([...inFlight])
        server.closeAllConnections()
        await serverClosed
        await unwind()
      })())

    return {
      url,
      adminUrl: `${url}/#token=${token}`,
      token,
      applicationServerKey: key.applicationServerKey,
      config: { ...config, port, localPushPort },
      localPushService,
      queueName,
      store,
      db: store.db,
      close,
    }
  } catch (error) {
    await unwind()
    throw error
  }
}
