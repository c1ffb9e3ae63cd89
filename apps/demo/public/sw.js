// The demo's service worker. For every push it shows a notification (browsers revoke the
// subscriptions of sites that push silently: userVisibleOnly) and posts the payload to every open
// page of the demo, which lists it under "Received". A click on the notification focuses the page
// it names, or opens it.

const DEFAULT_TITLE = 'Web Push demo'

self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

/**
 * The payload the demo sends is JSON `{ title, body, url? }`. Anything else is still shown: text
 * that is not JSON becomes the body, and a push without data gets the default title.
 */
function readPayload(data) {
  if (!data) return { title: DEFAULT_TITLE, body: '', url: '' }
  let text = ''
  try {
    text = data.text()
  } catch {
    return { title: DEFAULT_TITLE, body: '', url: '' }
  }
  let json
  try {
    json = JSON.parse(text)
  } catch {
    return { title: DEFAULT_TITLE, body: text, url: '' }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { title: DEFAULT_TITLE, body: typeof json === 'string' ? json : text, url: '' }
  }
  return {
    title: typeof json.title === 'string' && json.title !== '' ? json.title : DEFAULT_TITLE,
    body: typeof json.body === 'string' ? json.body : '',
    url: safeUrl(json.url),
  }
}

/** An http(s) URL, resolved against the demo's origin, or '' for anything else. */
function safeUrl(value) {
  if (typeof value !== 'string' || value === '') return ''
  try {
    const url = new URL(value, self.location.origin)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : ''
  } catch {
    return ''
  }
}

async function postToPages(message) {
  const pages = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  for (const page of pages) page.postMessage(message)
}

self.addEventListener('push', (event) => {
  const payload = readPayload(event.data)
  const shown = self.registration.showNotification(payload.title, {
    body: payload.body,
    icon: '/favicon.ico',
    data: { url: payload.url },
  })
  const posted = postToPages({ type: 'push', ...payload, receivedAt: new Date().toISOString() })
  // Both are attempted whatever happens to the other; a notification that could not be shown
  // still fails the event, so the browser knows.
  event.waitUntil(Promise.allSettled([posted, shown]).then(() => shown))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const url = safeUrl(event.notification.data?.url) || new URL('/', self.location.origin).href
  event.waitUntil(
    (async () => {
      const pages = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      const open =
        pages.find((page) => page.url === url) ?? (url.startsWith(self.location.origin) ? pages[0] : undefined)
      if (open) {
        const focused = await open.focus()
        if (open.url !== url && 'navigate' in open) await open.navigate(url).catch(() => {})
        return focused
      }
      return self.clients.openWindow(url)
    })(),
  )
})

/**
 * The browser replaced the subscription (the push service expired or dropped it): register the
 * new one with the server, remove the old one there, and let open pages show the change.
 */
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(
    (async () => {
      const old = event.oldSubscription
      let subscription = event.newSubscription
      if (!subscription) {
        let applicationServerKey = old?.options?.applicationServerKey
        if (!applicationServerKey) {
          const response = await fetch('/api/config')
          applicationServerKey = (await response.json()).applicationServerKey
        }
        subscription = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey })
      }
      await fetch('/api/subscriptions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(subscription.toJSON()),
      })
      if (old && old.endpoint !== subscription.endpoint) {
        await fetch('/api/subscriptions', {
          method: 'DELETE',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ endpoint: old.endpoint }),
        })
      }
      await postToPages({ type: 'subscription-changed' })
    })(),
  )
})
