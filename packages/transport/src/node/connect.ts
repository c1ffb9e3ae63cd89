/**
 * Opening connections to push services in Node: DNS through the private-network guard, an optional
 * HTTP CONNECT proxy, TLS with ALPN. Every socket either transport uses comes from here.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { connect as netConnect, type Socket } from 'node:net'
import { type TLSSocket, connect as tlsConnect } from 'node:tls'
import { WebPushError } from '@wp/ece'
import { ipKind, isPrivateAddress } from '../address.js'
import { NetworkError } from '../errors.js'
import { forbiddenError } from '../internal/errors.js'
import { allowsPrivate, type PrivateNetworkPolicy } from '../internal/private-network.js'

/** A resolver with the shape of `dns.lookup` when called with `{ all: true }`. */
export type Lookup = (
  hostname: string,
  options: { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void

export interface ConnectOptions {
  /** `true`, `false`, or the origins that alone may be on a private address. */
  allowPrivateNetwork: PrivateNetworkPolicy
  proxy: Proxy | undefined
  ca: string | string[] | undefined
  /** The resolver (default `dns.lookup`); the guard judges whatever it returns. */
  lookup?: Lookup | undefined
  /** Deadline of each connect (DNS, proxy tunnel, TCP, TLS), in ms (default 30000). */
  timeoutMs?: number | undefined
}

/** An HTTP CONNECT proxy, checked once by `checkProxy`. */
export interface Proxy {
  host: string
  port: number
  /** The `Proxy-Authorization` value for the URL's credentials. */
  authorization: string | undefined
}

export interface Target {
  protocol: string
  hostname: string
  port: number
  /** For error messages. */
  endpoint: string
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** A `dns.lookup` that leaves out (or, when nothing is left, refuses) private addresses. */
export function guardedLookup(endpoint: string, allowPrivateNetwork: boolean, lookup: Lookup = dnsLookup) {
  return (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void => {
    lookup(hostname, { ...options, all: true } as { all: true }, (error, addresses) => {
      if (error) return callback(error, [])
      const usable = allowPrivateNetwork ? addresses : addresses.filter((a) => !isPrivateAddress(a.address))
      if (usable.length === 0)
        return callback(forbiddenError(endpoint, `${hostname} resolves to a private address`) as never, [])
      if (options.all) callback(null, usable)
      else callback(null, (usable[0] as LookupAddress).address, (usable[0] as LookupAddress).family)
    })
  }
}

const invalidProxy = (what: string) => new WebPushError('ERR_WP_INVALID_ARGUMENT', `proxy ${what}`)

/** Whether `text` has a control character (C0 or DEL). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}

/**
 * Checks the `proxy` option completely, so that no send can fail on it: an `http:` URL with a host,
 * an optional port and optional percent-encoded credentials, nothing else. Messages never repeat
 * the URL, which may carry a password.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT`
 */
export function checkProxy(value: unknown): Proxy {
  if (typeof value !== 'string') throw invalidProxy('must be a string such as http://proxy:3128')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalidProxy('must be a URL such as http://proxy:3128')
  }
  if (url.protocol !== 'http:') throw invalidProxy('must be an http: URL (an HTTP CONNECT proxy)')
  if (url.hostname === '') throw invalidProxy('must name a host')
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '')
    throw invalidProxy('must have no path, query or fragment: http://user:pass@host:port')
  let authorization: string | undefined
  if (url.username !== '' || url.password !== '') {
    let user: string
    let pass: string
    try {
      user = decodeURIComponent(url.username)
      pass = decodeURIComponent(url.password)
    } catch {
      throw invalidProxy('credentials must be valid percent-encoded UTF-8')
    }
    // RFC 7617 §2: the user-id cannot contain a colon, and neither part control characters.
    if (user.includes(':')) throw invalidProxy('user must not contain a colon (encoded or not)')
    if (hasControl(user) || hasControl(pass)) throw invalidProxy('credentials must not contain control characters')
    // RFC 7617 §2.1: UTF-8, so any character survives (btoa would fail past Latin-1).
    authorization = `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), authorization }
}

function resolveOne(
  endpoint: string,
  hostname: string,
  allow: boolean,
  options: ConnectOptions,
  signal: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    // A resolver that never answers must not outlive the deadline.
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    guardedLookup(endpoint, allow, options.lookup)(hostname, {}, (error, address) => {
      signal.removeEventListener('abort', onAbort)
      if (error) reject(error)
      else resolve(address as string)
    })
  })
}

/** Waits for `event` on a connecting socket; on abort destroys it and rejects with the signal's reason. */
function once(socket: Socket, event: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      socket.off(event, onEvent)
      socket.off('error', onError)
      socket.off('close', onClose)
      signal.removeEventListener('abort', onAbort)
    }
    const onEvent = () => {
      cleanup()
      resolve()
    }
    const onError = (error: Error) => {
      cleanup()
      reject(error)
    }
    const onClose = () => {
      cleanup()
      reject(Object.assign(new Error('socket closed while connecting'), { code: 'ECONNRESET' }))
    }
    const onAbort = () => {
      cleanup()
      socket.destroy()
      reject(signal.reason)
    }
    if (signal.aborted) return onAbort()
    socket.once(event, onEvent)
    socket.once('error', onError)
    socket.once('close', onClose)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Opens a tunnel through an HTTP CONNECT proxy to `host:port` on `socket`, a new connection to the
 * proxy. The caller destroys the socket when this fails.
 */
async function tunnel(socket: Socket, proxy: Proxy, host: string, port: number, signal: AbortSignal): Promise<void> {
  await once(socket, 'connect', signal)
  const authority = ipKind(host) === 'ipv6' ? `[${host}]:${port}` : `${host}:${port}`
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`
  if (proxy.authorization !== undefined) head += `Proxy-Authorization: ${proxy.authorization}\r\n`
  socket.write(`${head}\r\n`)
  const response = await new Promise<{ status: number; rest: Buffer }>((resolve, reject) => {
    let buffered = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const end = buffered.indexOf('\r\n\r\n')
      if (end < 0) {
        if (buffered.length > 16_384) fail(new Error('proxy answer too long'))
        return
      }
      cleanup()
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(buffered.subarray(0, end).toString('latin1'))?.[1] ?? 0)
      resolve({ status, rest: buffered.subarray(end + 4) })
    }
    const fail = (error: unknown) => {
      cleanup()
      reject(error)
    }
    const onClose = () => fail(Object.assign(new Error('proxy closed the connection'), { code: 'ECONNRESET' }))
    const onAbort = () => fail(signal.reason)
    const cleanup = () => {
      socket.off('data', onData)
      socket.off('error', fail)
      socket.off('close', onClose)
      signal.removeEventListener('abort', onAbort)
    }
    socket.on('data', onData)
    socket.on('error', fail)
    socket.on('close', onClose)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  if (response.status !== 200)
    throw Object.assign(new Error(`proxy refused CONNECT with status ${response.status}`), { code: 'EPROXY' })
  if (response.rest.length > 0) socket.unshift(response.rest)
}

/**
 * A connected socket to `target`, TLS when `https:`, offering `alpn` (`['h2', 'http/1.1']` lets the
 * server choose). Errors are a `NetworkError` (`ERR_WP_NETWORK`) with `notWritten`, or
 * `ERR_WP_ENDPOINT_FORBIDDEN`.
 *
 * The whole connect (DNS, the proxy's tunnel, TCP, TLS) has one deadline, `options.timeoutMs`, and
 * stops early when `signal` aborts: a peer that accepts and then stalls at any step cannot hold a
 * socket. Whatever was opened is destroyed when the connect fails.
 */
export async function openSocket(
  target: Target,
  alpn: string[] | undefined,
  options: ConnectOptions,
  signal?: AbortSignal,
): Promise<Socket | TLSSocket> {
  const { hostname, port, endpoint } = target
  const host = hostname.replace(/^\[|\]$/g, '')
  const literal = ipKind(host) !== undefined
  // Judged per endpoint: a list of origins lets those alone through (connections are per origin).
  const allow = allowsPrivate(options.allowPrivateNetwork, () => new URL(endpoint).origin)
  if (!allow && literal && isPrivateAddress(host))
    throw forbiddenError(endpoint, 'the host is a loopback, private or link-local address')
  const timeoutMs = options.timeoutMs ?? 30_000
  const deadline = new AbortController()
  const timer = setTimeout(
    () => deadline.abort(Object.assign(new Error(`not connected within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    timeoutMs,
  )
  const onAbort = () =>
    deadline.abort(Object.assign(new Error('the connect was cancelled'), { code: 'ECANCELED', cause: signal?.reason }))
  if (signal?.aborted) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })
  let raw: Socket | undefined
  let socket: Socket | TLSSocket | undefined
  try {
    if (options.proxy !== undefined) {
      // Resolve here and tunnel to the address, so the guard judges the address actually used.
      const address = literal ? host : await resolveOne(endpoint, host, allow, options, deadline.signal)
      raw = netConnect({ host: options.proxy.host, port: options.proxy.port })
      await tunnel(raw, options.proxy, address, port, deadline.signal)
    }
    if (target.protocol === 'https:') {
      socket = tlsConnect({
        ...(raw === undefined
          ? { host, port, lookup: guardedLookup(endpoint, allow, options.lookup) as never }
          : { socket: raw }),
        ...(literal ? {} : { servername: host }),
        ...(alpn === undefined ? {} : { ALPNProtocols: alpn }),
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      })
      await once(socket, 'secureConnect', deadline.signal)
    } else if (raw !== undefined) {
      socket = raw
    } else {
      socket = netConnect({
        host,
        port,
        lookup: guardedLookup(endpoint, allow, options.lookup) as never,
      })
      await once(socket, 'connect', deadline.signal)
    }
    if (options.proxy === undefined && !allow) {
      const remote = socket.remoteAddress
      if (remote === undefined || isPrivateAddress(remote))
        throw forbiddenError(endpoint, 'the connection reached a private address')
    }
    socket.setNoDelay(true)
    return socket
  } catch (error) {
    socket?.destroy()
    raw?.destroy()
    if (WebPushError.is(error)) throw error
    throw new NetworkError(endpoint, { cause: error, notWritten: true })
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}
