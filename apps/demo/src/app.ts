/** The demo's routes, on Hono: Web-standard `Request` in, `Response` out. */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { PushService } from '@wp/push-service'
import { Hono } from 'hono'
import type { PushServiceMode } from './config.js'
import type { Store } from './db.js'
import { readJson } from './internal/body.js'
import type { EventHub } from './internal/events.js'
import { errorBody, HttpError } from './internal/http-error.js'
import { runNotify } from './internal/notify.js'
import type { Sender } from './internal/sender.js'
import { serveStatic } from './internal/static.js'
import { checkEndpointBody, checkNotify, checkSubscription } from './internal/validate.js'

/** What the routes work with. */
export interface AppDeps {
  store: Store
  /** Sends the batches: in-process, or through @wp/queue with `REDIS_URL`. */
  sender: Sender
  events: EventHub
  token: string
  applicationServerKey: string
  pushService: PushServiceMode
  localPushService: PushService | undefined
  publicDir: string
  /** Aborted when the demo closes: batches in flight stop. */
  signal: AbortSignal
  /** Where unexpected errors are reported. */
  log: (line: string) => void
  /** The most subscriptions stored: anyone who can load the page can add one. */
  maxSubscriptions: number
  /** The least time between two `progress` events of one batch, in ms. */
  progressIntervalMs: number
}

const DEFAULT_DELIVERIES = 50
const MAX_DELIVERIES = 1000

/** SHA-256 of a token: equal lengths for `timingSafeEqual`, whatever was sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** The routes of the demo, as a Hono app (its `fetch` runs on any runtime). */
export function createApp(deps: AppDeps): Hono {
  const { store, events } = deps
  const expected = digest(deps.token)
  // Compared in constant time, so the answer's timing tells nothing about the token.
  const authorized = (presented: string | undefined): boolean =>
    presented !== undefined && timingSafeEqual(digest(presented), expected)
  const requireToken = (request: Request, allowQuery: boolean): void => {
    // RFC 6750 §2.1: `Bearer` (the scheme in any case), one space, the token.
    const match = /^Bearer +(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')
    let presented = match?.[1]
    // §2.3, for EventSource, which cannot send headers: the event stream also takes ?token=.
    if (presented === undefined && allowQuery) presented = new URL(request.url).searchParams.get('token') ?? undefined
    if (!authorized(presented))
      throw new HttpError(401, 'ERR_WP_UNAUTHORIZED', 'this route needs the admin token: Authorization: Bearer <token>')
  }
  const localOrigin = deps.localPushService === undefined ? undefined : new URL(deps.localPushService.url).origin

  const app = new Hono()

  app.onError((error, c) => {
    if (error instanceof HttpError) {
      const headers: Record<string, string> = error.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}
      // A refused body may still be arriving: end the connection rather than read the rest.
      if (error.status === 413) headers.Connection = 'close'
      return c.json(errorBody(error.code, error.message), error.status, headers)
    }
    deps.log(`demo: unexpected error on ${c.req.method} ${c.req.path}: ${(error as Error).stack ?? String(error)}`)
    return c.json(errorBody('ERR_WP_INTERNAL', 'unexpected error; see the server log'), 500)
  })

  app.get('/api/config', (c) =>
    c.json({
      applicationServerKey: deps.applicationServerKey,
      pushService: deps.pushService,
      ...(deps.localPushService === undefined
        ? {}
        : {
            localPushService: {
              url: deps.localPushService.url,
              webSocketUrl: deps.localPushService.webSocketUrl,
              firefoxPrefs: deps.localPushService.firefoxPrefs,
            },
          }),
    }),
  )

  app.post('/api/subscriptions', async (c) => {
    const subscription = checkSubscription(await readJson(c.req.raw), localOrigin)
    const stored = store.upsertSubscription(
      subscription.endpoint,
      subscription.p256dh,
      subscription.auth,
      deps.maxSubscriptions,
    )
    if (stored === undefined)
      throw new HttpError(
        503,
        'ERR_WP_TOO_MANY_SUBSCRIPTIONS',
        `the demo holds at most ${deps.maxSubscriptions} subscriptions; unsubscribe some first`,
      )
    return c.json({ id: stored.id }, stored.created ? 201 : 200)
  })

  app.delete('/api/subscriptions', async (c) => {
    const endpoint = checkEndpointBody(await readJson(c.req.raw))
    if (!store.deleteSubscriptionByEndpoint(endpoint))
      throw new HttpError(404, 'ERR_WP_NOT_FOUND', 'no subscription has this endpoint')
    return c.body(null, 204)
  })

  app.get('/api/subscriptions', (c) => {
    requireToken(c.req.raw, false)
    return c.json(store.listSubscriptions())
  })

  app.post('/api/notify', async (c) => {
    requireToken(c.req.raw, false)
    const notify = checkNotify(await readJson(c.req.raw))
    const { sender, signal, progressIntervalMs } = deps
    return c.json(await runNotify(notify, { store, sender, events, signal, progressIntervalMs }))
  })

  app.get('/api/deliveries', (c) => {
    requireToken(c.req.raw, false)
    const text = c.req.query('limit')
    let limit = DEFAULT_DELIVERIES
    if (text !== undefined) {
      limit = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN
      if (!(limit >= 1 && limit <= MAX_DELIVERIES))
        throw new HttpError(400, 'ERR_WP_INVALID_ARGUMENT', `limit must be an integer from 1 to ${MAX_DELIVERIES}`)
    }
    return c.json(store.listDeliveries(limit))
  })

  app.get('/api/events', (c) => {
    requireToken(c.req.raw, true)
    return events.open()
  })

  app.all('/api/*', () => {
    throw new HttpError(404, 'ERR_WP_NOT_FOUND', 'no such route')
  })

  app.on(['GET', 'HEAD'], '*', async (c) => {
    const response = await serveStatic(deps.publicDir, c.req.path, c.req.raw)
    if (response === undefined) throw new HttpError(404, 'ERR_WP_NOT_FOUND', 'no such file')
    return response
  })

  app.notFound((c) => c.json(errorBody('ERR_WP_NOT_FOUND', 'no such route'), 404))

  return app
}
