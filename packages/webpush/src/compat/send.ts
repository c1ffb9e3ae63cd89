/**
 * web-push's `sendNotification`: one POST through `node:https`'s `request(options, callback)`, looked
 * up at call time so stubs of `https.request` (sinon, nock) see it. Adds the private-network guard.
 */
import { type LookupAddress, type LookupOneOptions, lookup } from 'node:dns'
import type { IncomingHttpHeaders } from 'node:http'
import type { Agent, RequestOptions as HttpsRequestOptions } from 'node:https'
import { createRequire } from 'node:module'
import { isPrivateAddress } from '@wp/transport'
import { WebPushError } from './error.js'
import { fail } from './fail.js'
import { generateRequestDetails, type PushSubscription, type RequestOptions } from './request.js'

/**
 * node:https's CommonJS exports object, the one `require('https')` returns and sinon and nock patch:
 * `https.request` is read from it at each send, never bound at import.
 */
const https = process.getBuiltinModule('node:https')

/** What `sendNotification` resolves to on a 2xx answer, as web-push. */
export interface SendResult {
  statusCode: number
  body: string
  headers: IncomingHttpHeaders
}

/** Whether private addresses are allowed: by the options or by `WEBPUSH_ALLOW_PRIVATE_NETWORK=1`. */
function allowsPrivateNetwork(options: RequestOptions | undefined): boolean {
  return options?.allowPrivateNetwork === true || process.env.WEBPUSH_ALLOW_PRIVATE_NETWORK === '1'
}

/** The error for an endpoint that leads to a loopback or private address. Names the host, not the path. */
function forbidden(address: string): Error {
  return fail(
    `the subscription endpoint leads to ${address}, a loopback or private address; pass allowPrivateNetwork: true in the options or set WEBPUSH_ALLOW_PRIVATE_NETWORK=1 to send to it`,
    'ERR_WP_ENDPOINT_FORBIDDEN',
  )
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** dns.lookup that refuses names resolving to a private address (a name may point anywhere). */
function guardedLookup(hostname: string, options: LookupOneOptions, callback: LookupCallback): void {
  lookup(hostname, options, ((
    err: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => {
    if (err) return callback(err, address, family)
    const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address]
    const blocked = addresses.find((entry) => isPrivateAddress(entry))
    if (blocked !== undefined) return callback(forbidden(blocked), address, family)
    callback(null, address, family)
  }) as never)
}

/**
 * The proxy agent web-push makes (`https-proxy-agent`, a CONNECT tunnel), loaded on first use as
 * web-push loads it, so senders without a proxy never load it.
 */
function proxyAgent(proxy: NonNullable<RequestOptions['proxy']>): Agent {
  const { HttpsProxyAgent } = createRequire(import.meta.url)('https-proxy-agent') as {
    HttpsProxyAgent: new (proxy: unknown) => Agent
  }
  return new HttpsProxyAgent(proxy)
}

/**
 * Sends one push message, as web-push: resolves with `{ statusCode, body, headers }` on 2xx, rejects
 * with a `WebPushError` (`statusCode`, `headers`, `body`, `endpoint`) otherwise. Bad input rejects
 * the promise; nothing is thrown synchronously.
 * @example
 * await sendNotification(subscription, JSON.stringify({ title: 'Hi' }), { TTL: 60 })
 */
export function sendNotification(
  subscription: PushSubscription,
  payload?: string | Buffer | null,
  options?: RequestOptions,
): Promise<SendResult> {
  return new Promise((resolve, reject) => {
    const details = generateRequestDetails(subscription, payload, options)
    const url = new URL(details.endpoint)
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1')
    const requestOptions: HttpsRequestOptions = {
      hostname,
      port: url.port || null,
      path: `${url.pathname}${url.search}`,
      headers: details.headers,
      method: details.method,
    }
    if (!allowsPrivateNetwork(options)) {
      // An IP literal is judged here; a host name when it resolves, before any connection.
      if (/^[\d.]+$/.test(hostname) || hostname.includes(':')) {
        if (isPrivateAddress(hostname)) throw forbidden(hostname)
      } else {
        requestOptions.lookup = guardedLookup as never
      }
    }
    if (details.timeout) requestOptions.timeout = details.timeout
    if (details.agent) requestOptions.agent = details.agent
    if (details.proxy) requestOptions.agent = proxyAgent(details.proxy)
    const request = https.request(requestOptions, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        const statusCode = response.statusCode ?? 0
        const body = Buffer.concat(chunks).toString()
        if (statusCode < 200 || statusCode > 299) {
          reject(
            new WebPushError('Received unexpected response code', statusCode, response.headers, body, details.endpoint),
          )
        } else {
          resolve({ statusCode, body, headers: response.headers })
        }
      })
    })
    if (details.timeout) request.on('timeout', () => request.destroy(new Error('Socket timeout')))
    request.on('error', reject)
    if (details.body) request.write(details.body)
    request.end()
  })
}
