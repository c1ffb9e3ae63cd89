import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import webpush from 'web-push'
import { type PushService, startPushService } from '../src/index.js'

let service: PushService
let site: Server
let browser: Browser
let page: Page
const vapid = webpush.generateVAPIDKeys()

beforeAll(async () => {
  service = await startPushService()
  site = createServer((req, res) => {
    const file = req.url === '/sw.js' ? 'sw.js' : 'index.html'
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' })
    res.end(readFileSync(join(import.meta.dirname, 'fixtures', file)))
  })
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r))
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    extraPrefsFirefox: service.firefoxPrefs,
  })
  page = await browser.newPage()
  await page.goto(`http://localhost:${(site.address() as { port: number }).port}/`)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  site?.close()
  await service?.close()
})

it('Firefox subscribes and receives both encodings', async () => {
  const sub = await page.evaluate((key) => (window as any).subscribe(key), vapid.publicKey)
  expect(sub.endpoint.startsWith(service.url)).toBe(true)
  for (const contentEncoding of ['aes128gcm', 'aesgcm'] as const) {
    const details = webpush.generateRequestDetails(sub, `hi ${contentEncoding}`, {
      vapidDetails: { subject: 'mailto:t@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      contentEncoding,
      TTL: 60,
    })
    const res = await fetch(details.endpoint, {
      method: 'POST',
      headers: details.headers as Record<string, string>,
      body: details.body,
    })
    expect(res.status).toBe(201)
    const id = res.headers.get('location')!.split('/').pop()!
    expect((await service.waitForAck(id)).code).toBe(100)
    await page.waitForFunction(
      (t) => (window as any).pushes.some((p: any) => p.text === t),
      { timeout: 10_000 },
      `hi ${contentEncoding}`,
    )
  }
}, 60_000)
