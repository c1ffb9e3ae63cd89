// The demo's page: subscribes this browser through its service worker, sends notifications through
// the server's API, and shows the deliveries (live, from the server's event stream) and the pushes
// the service worker received. Plain ES module, no build step. Everything that comes from the
// server or a push is put on the page with textContent, never as HTML.

const TOKEN_KEY = 'wp-demo:token'
/** How many entries each list keeps; older ones are dropped from the page (not from the server). */
const MAX_ENTRIES = 100

const $ = (id) => document.getElementById(id)

const ui = {
  state: $('state'),
  subscribe: $('subscribe'),
  unsubscribe: $('unsubscribe'),
  sendForm: $('send-form'),
  title: $('title'),
  message: $('message'),
  sendMe: $('send-me'),
  sendAll: $('send-all'),
  status: $('status'),
  received: $('received'),
  receivedEmpty: $('received-empty'),
  deliveries: $('deliveries'),
  deliveriesEmpty: $('deliveries-empty'),
  live: $('live'),
  batch: $('batch'),
  batchLabel: $('batch-label'),
  batchProgress: $('batch-progress'),
  batchText: $('batch-text'),
  tokenForm: $('token-form'),
  tokenInput: $('token'),
  tokenState: $('token-state'),
}

/** What the page knows; `render()` derives every control from it. */
const state = {
  /** The admin token (from `#token=…` once, then localStorage), or '' when unknown. */
  token: '',
  /** Why push cannot work in this browser, or '' when it can. */
  unsupported: '',
  /** This browser's PushSubscription, or null. */
  subscription: null,
  /** The server's id of that subscription, or null when the server does not have it. */
  subscriptionId: null,
  /** An action in progress (buttons stay disabled meanwhile). */
  busy: false,
  /** A line that explains the last change of the subscription, shown with its state. */
  note: '',
}

/** A refusal from the demo's API: `{ error: { code, message } }` with the HTTP status. */
class ApiError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

// --- the admin token ------------------------------------------------------------------------

/**
 * Takes the token from `#token=…` (the URL the server prints), keeps it in localStorage, and
 * removes it from the address bar and the history so it is not shared with a screenshot or a link.
 */
function readToken() {
  const hash = new URLSearchParams(location.hash.slice(1))
  const fromUrl = hash.get('token')
  if (fromUrl !== null) {
    hash.delete('token')
    const rest = hash.toString()
    history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''))
    if (fromUrl !== '') saveToken(fromUrl)
  }
  try {
    return localStorage.getItem(TOKEN_KEY) ?? ''
  } catch {
    return fromUrl ?? ''
  }
}

function saveToken(token) {
  try {
    localStorage.setItem(TOKEN_KEY, token)
  } catch {
    // Storage can be disabled; the token then lasts as long as the page.
  }
}

// --- the API ----------------------------------------------------------------------------------

/** Calls the demo's API with the admin token; resolves with the JSON answer (null for 204). */
async function api(method, path, body) {
  const headers = { Accept: 'application/json' }
  if (state.token) headers.Authorization = `Bearer ${state.token}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  let response
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  } catch {
    throw new ApiError(0, 'NETWORK', 'the server did not answer (is it running?)')
  }
  if (response.status === 204) return null
  const answer = await response.json().catch(() => null)
  if (!response.ok) {
    const error = answer?.error
    throw new ApiError(
      response.status,
      typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
      typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`,
    )
  }
  return answer
}

/** A sentence for the live region about a failed call. */
function describeError(what, error) {
  if (error instanceof ApiError) {
    if (error.status === 401)
      return `${what}: the admin token is missing or wrong. Open the URL the server printed, or save the token below.`
    return `${what}: ${error.message}${error.code ? ` (${error.code})` : ''}.`
  }
  const message = error instanceof Error ? error.message : String(error)
  return `${what}: ${message || 'unknown error'}.`
}

function announce(text) {
  ui.status.textContent = text
}

// --- the subscription -------------------------------------------------------------------------

/** base64url (padded or not) to bytes, for `applicationServerKey`. */
function base64urlToBytes(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}

function sameBytes(buffer, bytes) {
  if (!buffer) return false
  const a = new Uint8Array(buffer)
  return a.length === bytes.length && a.every((value, i) => value === bytes[i])
}

/** Registers the browser's subscription with the server (idempotent: a known endpoint keeps its id). */
async function register(subscription) {
  const { id } = await api('POST', '/api/subscriptions', subscription.toJSON())
  state.subscription = subscription
  state.subscriptionId = String(id)
}

async function subscribe() {
  // Asked first, while the click still counts as the user's gesture.
  if ('Notification' in window && Notification.permission === 'default') await Notification.requestPermission()
  if ('Notification' in window && Notification.permission === 'denied') {
    throw new Error('notifications are blocked for this site; allow them in the browser, then subscribe again')
  }
  const registration = await navigator.serviceWorker.ready
  const config = await api('GET', '/api/config')
  const key = base64urlToBytes(config.applicationServerKey)
  // A subscription made for another server key (the server's VAPID key changed) cannot be used.
  const existing = await registration.pushManager.getSubscription()
  if (existing && !sameBytes(existing.options?.applicationServerKey, key)) await existing.unsubscribe()
  const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key })
  try {
    await register(subscription)
  } catch (error) {
    // The server refused it: do not leave the browser subscribed to pushes nobody will send.
    await subscription.unsubscribe().catch(() => {})
    throw error
  }
  state.note = ''
  announce('Subscribed. Send yourself a notification.')
}

async function unsubscribe() {
  const registration = await navigator.serviceWorker.ready
  const subscription = (await registration.pushManager.getSubscription()) ?? state.subscription
  const endpoint = subscription?.endpoint
  if (subscription) await subscription.unsubscribe()
  forgetSubscription('')
  if (endpoint) {
    try {
      await api('DELETE', '/api/subscriptions', { endpoint })
    } catch (error) {
      // 404: the server had removed it already.
      if (!(error instanceof ApiError && error.status === 404)) throw error
    }
  }
  announce('Unsubscribed: this browser gets no more pushes from the demo.')
}

function forgetSubscription(note) {
  state.subscription = null
  state.subscriptionId = null
  state.note = note
}

/**
 * The push service answered 404/410 for this browser's subscription, so the server removed it.
 * Such an endpoint never works again: drop it in the browser too, so Subscribe makes a fresh one.
 */
async function onGone() {
  if (!state.subscriptionId) return
  forgetSubscription('The push service no longer knows this browser’s subscription (it was dropped). Subscribe again.')
  render()
  try {
    const registration = await navigator.serviceWorker.ready
    const subscription = await registration.pushManager.getSubscription()
    if (subscription) await subscription.unsubscribe()
  } catch {}
  render()
}

/**
 * Reads the browser's subscription and learns its server id by registering it again: the server
 * answers with the id it has, or adds it back if it had lost it (a send then tells whether the push
 * service still knows it).
 */
async function syncSubscription() {
  const registration = await navigator.serviceWorker.ready
  const subscription = await registration.pushManager.getSubscription()
  state.subscription = subscription
  state.subscriptionId = null
  if (subscription) await register(subscription)
}

// --- sending ----------------------------------------------------------------------------------

async function send(to) {
  const title = ui.title.value
  if (title.trim() === '' || [...title].length > 200) {
    ui.title.setAttribute('aria-invalid', 'true')
    ui.title.focus()
    announce('Title: write 1 to 200 characters.')
    return
  }
  ui.title.removeAttribute('aria-invalid')
  const result = await api('POST', '/api/notify', { title, body: ui.message.value, to })
  const counts = Object.entries(result.byOutcome ?? {})
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ')
  announce(
    result.total === 0
      ? 'Nobody is subscribed yet.'
      : `Sent to ${result.total} subscription${result.total === 1 ? '' : 's'}: ${counts}.`,
  )
  for (const row of result.results ?? []) {
    if (String(row.subscriptionId) === state.subscriptionId && row.outcome === 'gone') await onGone()
  }
  // The event stream shows them too; this covers a stream that is down. Entries are kept once each.
  await loadDeliveries()
}

// --- the lists --------------------------------------------------------------------------------

function timeElement(iso) {
  const time = document.createElement('time')
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return time
  time.dateTime = date.toISOString()
  time.textContent = date.toLocaleTimeString()
  return time
}

function span(className, text) {
  const element = document.createElement('span')
  element.className = className
  element.textContent = text
  return element
}

/** Who a delivery went to: this browser, or another subscription by its id. */
function whoText(subscriptionId) {
  return subscriptionId !== '' && subscriptionId === state.subscriptionId
    ? 'this browser'
    : `subscription ${subscriptionId || '?'}`
}

/** Keeps a list newest first, at most MAX_ENTRIES long, and its empty-state hint in step. */
function trim(list, empty) {
  while (list.children.length > MAX_ENTRIES) list.lastElementChild.remove()
  empty.hidden = list.children.length > 0
}

const shownDeliveries = new Set()

/**
 * Adds a delivery row (`{ id, subscriptionId, endpoint, outcome, status, reason, at }`) once. A
 * `live` one (from the event stream) that says this browser's subscription is gone drops it; rows
 * from the history never do, since an id may name an older subscription.
 */
function addDelivery(delivery, live = false) {
  if (!delivery || delivery.id === undefined || shownDeliveries.has(String(delivery.id))) return
  shownDeliveries.add(String(delivery.id))
  const item = document.createElement('li')
  item.dataset.id = String(delivery.id)
  item.dataset.at = String(delivery.at ?? '')
  const outcome = String(delivery.outcome ?? 'unknown')
  item.append(span(`outcome outcome-${outcome.replace(/[^a-z-]/g, '')}`, outcome))
  if (delivery.status !== null && delivery.status !== undefined) item.append(' ', span('code', String(delivery.status)))
  item.dataset.subscription = String(delivery.subscriptionId ?? '')
  const mine = state.subscriptionId !== null && item.dataset.subscription === state.subscriptionId
  item.append(' ', span('who', whoText(item.dataset.subscription)))
  if (delivery.endpoint) {
    let origin = ''
    try {
      origin = new URL(delivery.endpoint).host
    } catch {}
    if (origin) item.append(' ', span('via', `via ${origin}`))
  }
  if (delivery.reason) item.append(' ', span('reason', `“${delivery.reason}”`))
  item.append(' ', timeElement(delivery.at))
  // Newest first: place it before the first entry that is older.
  const before = [...ui.deliveries.children].find((other) => other.dataset.at < item.dataset.at)
  ui.deliveries.insertBefore(item, before ?? null)
  trim(ui.deliveries, ui.deliveriesEmpty)
  if (live && mine && outcome === 'gone') onGone()
}

async function loadDeliveries() {
  if (!state.token) return
  try {
    const rows = await api('GET', `/api/deliveries?limit=${MAX_ENTRIES}`)
    for (const row of Array.isArray(rows) ? rows : []) addDelivery(row)
  } catch (error) {
    announce(describeError('Could not load the deliveries', error))
  }
}

function addReceived(push) {
  const item = document.createElement('li')
  item.append(span('title', push.title), ' ', timeElement(push.receivedAt))
  if (push.body) item.append(span('body', push.body))
  if (push.url) {
    const link = document.createElement('a')
    link.href = push.url
    link.textContent = push.url
    item.append(link)
  }
  ui.received.prepend(item)
  trim(ui.received, ui.receivedEmpty)
}

/** The batch the progress bar follows: the newest one heard of (ids are increasing integers). */
let shownBatch = 0

/**
 * Shows a batch's progress (`{ batchId, total, completed, byOutcome, finished }`, from the event
 * stream): completed of total, and the results so far by outcome. Events of an older batch than the
 * one shown are ignored.
 */
function showProgress(progress) {
  const id = Number(progress?.batchId)
  if (!Number.isSafeInteger(id) || id < shownBatch) return
  shownBatch = id
  const total = Math.max(0, Number(progress.total) || 0)
  const completed = Math.min(total, Math.max(0, Number(progress.completed) || 0))
  const counts = Object.entries(progress.byOutcome ?? {})
    .map(([outcome, n]) => `${Number(n) || 0} ${outcome}`)
    .join(', ')
  ui.batch.hidden = false
  ui.batchLabel.textContent = progress.finished ? `Batch ${id}: done` : `Batch ${id}: sending…`
  ui.batchProgress.max = Math.max(1, total)
  ui.batchProgress.value = total === 0 ? 1 : completed
  ui.batchText.textContent = `${completed} of ${total} done${counts ? `: ${counts}` : ''}.`
}

// --- live updates -----------------------------------------------------------------------------

let events = null

/** Follows `GET /api/events` (EventSource cannot send headers, so the token goes in the query). */
function followEvents() {
  events?.close()
  events = null
  if (!state.token || !('EventSource' in window)) return
  const source = new EventSource(`/api/events?token=${encodeURIComponent(state.token)}`)
  events = source
  source.addEventListener('open', () => {
    ui.live.textContent = 'Live: new deliveries appear as they happen.'
    loadDeliveries()
  })
  source.addEventListener('delivery', (event) => {
    try {
      addDelivery(JSON.parse(event.data), true)
    } catch {}
  })
  source.addEventListener('progress', (event) => {
    try {
      showProgress(JSON.parse(event.data))
    } catch {}
  })
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      ui.live.textContent = 'Live updates stopped (the server refused the token or is down). Reload to retry.'
    } else {
      ui.live.textContent = 'Live updates interrupted; reconnecting…'
    }
  })
}

// --- rendering and wiring ---------------------------------------------------------------------

function render() {
  const subscribed = state.subscription !== null && state.subscriptionId !== null
  let text
  let name
  if (state.unsupported) {
    name = 'unsupported'
    text = state.unsupported
  } else if (subscribed) {
    name = 'subscribed'
    text = `Subscribed: this browser receives the demo’s pushes (subscription ${state.subscriptionId}).`
  } else {
    name = 'unsubscribed'
    text = state.note || 'Not subscribed: this browser gets no pushes from the demo.'
  }
  if (ui.state.textContent !== text) ui.state.textContent = text
  ui.state.dataset.state = name
  ui.subscribe.disabled = state.busy || Boolean(state.unsupported) || subscribed
  ui.unsubscribe.disabled = state.busy || Boolean(state.unsupported) || state.subscription === null
  ui.sendMe.disabled = state.busy || !state.token || !subscribed
  ui.sendAll.disabled = state.busy || !state.token
  // Deliveries listed before this browser's subscription id was known name it now.
  for (const item of ui.deliveries.children) {
    const who = item.querySelector('.who')
    const text = whoText(item.dataset.subscription)
    if (who && who.textContent !== text) who.textContent = text
  }
  ui.tokenState.textContent = state.token
    ? 'A token is saved in this browser: sending and the delivery list work.'
    : 'Sending needs the admin token the server printed (its URL ends with #token=…).'
}

/** Runs a button's action with the controls disabled, reporting a failure in the live region. */
async function act(what, action, focusAfter) {
  if (state.busy) return
  state.busy = true
  render()
  try {
    await action()
  } catch (error) {
    announce(describeError(what, error))
  } finally {
    state.busy = false
    render()
    // A disabled button loses focus; put it somewhere useful for keyboard users.
    if (document.activeElement === document.body || document.activeElement?.disabled) focusAfter?.()?.focus()
  }
}

function firstEnabled(...buttons) {
  return () => buttons.find((button) => !button.disabled) ?? null
}

function whyUnsupported() {
  if (!window.isSecureContext)
    return 'Push needs a secure context: open the demo over https, or on localhost or 127.0.0.1.'
  if (!('serviceWorker' in navigator)) return 'This browser has no service workers (a private window may disable them).'
  if (!('PushManager' in window)) return 'This browser does not support Web Push.'
  return ''
}

async function start() {
  state.token = readToken()
  state.unsupported = whyUnsupported()
  render()

  ui.subscribe.addEventListener('click', () =>
    act('Could not subscribe', subscribe, firstEnabled(ui.sendMe, ui.unsubscribe)),
  )
  ui.unsubscribe.addEventListener('click', () => act('Could not unsubscribe', unsubscribe, firstEnabled(ui.subscribe)))
  ui.sendForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const to = event.submitter === ui.sendAll ? 'all' : state.subscriptionId
    if (!to) return
    act('Could not send', () => send(to), firstEnabled(event.submitter ?? ui.sendAll, ui.sendAll))
  })
  ui.tokenForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const token = ui.tokenInput.value.trim()
    if (!token) return
    ui.tokenInput.value = ''
    state.token = token
    saveToken(token)
    render()
    announce('Token saved.')
    followEvents()
  })

  followEvents()
  loadDeliveries()

  if (state.unsupported) return
  navigator.serviceWorker.addEventListener('message', (event) => {
    const data = event.data
    if (data?.type === 'push') {
      addReceived({
        title: String(data.title ?? ''),
        body: String(data.body ?? ''),
        url: typeof data.url === 'string' ? data.url : '',
        receivedAt: data.receivedAt ?? new Date().toISOString(),
      })
    } else if (data?.type === 'subscription-changed') {
      act('Could not read the new subscription', syncSubscription)
    }
  })
  // Messages the service worker posted before this point are delivered from here on.
  navigator.serviceWorker.startMessages()

  state.busy = true
  render()
  try {
    await navigator.serviceWorker.register('/sw.js')
    await syncSubscription()
  } catch (error) {
    announce(describeError('Could not read this browser’s subscription', error))
  } finally {
    state.busy = false
    render()
  }
}

start()
