/** Shared pieces of the compat tests: npm web-push and http_ece loaded as-is, a local HTTPS server, JWT claims. */
import type { IncomingHttpHeaders } from 'node:http'
import { Agent, createServer, type Server } from 'node:https'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { selfSignedCertificate } from '@wp/push-service'

const require = createRequire(import.meta.url)

/** npm web-push 3.6.7, the reference. */
// biome-ignore lint/suspicious/noExplicitAny: an untyped CommonJS package
export const webPush: any = require('web-push')
/** http_ece 1.2.1, to decrypt what each side encrypted. */
// biome-ignore lint/suspicious/noExplicitAny: an untyped CommonJS package
export const httpEce: any = require('http_ece')

/** A local HTTPS server on 127.0.0.1 answering `/status/<n>` with status n, and what it received. */
export interface StatusServer {
  origin: string
  agent: Agent
  received: { url: string; headers: IncomingHttpHeaders; body: Buffer }[]
  close(): Promise<void>
}

/** Starts the server with a fresh self-signed certificate; `agent` trusts it. */
export async function startStatusServer(): Promise<StatusServer> {
  const { cert, key } = selfSignedCertificate()
  const received: StatusServer['received'] = []
  const server: Server = createServer({ cert, key }, (request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) })
      const status = Number(/^\/status\/(\d{3})/.exec(request.url ?? '')?.[1] ?? 201)
      response.writeHead(status, { 'x-test': 'yes', 'content-type': 'text/plain' })
      response.end(`answer ${status}`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const agent = new Agent({ ca: cert, keepAlive: false })
  return {
    origin: `https://127.0.0.1:${port}`,
    agent,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The claims of a VAPID JWT (header and payload), signature aside. */
export function jwtParts(token: string): { header: unknown; claims: Record<string, unknown> } {
  const [header, claims] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()))
  return { header, claims }
}

/** The JWT in an `Authorization` header of either scheme. */
export function tokenOf(authorization: string): string {
  const match = /^(?:vapid t=([^,]+),|WebPush (\S+)$)/.exec(authorization)
  return (match?.[1] ?? match?.[2]) as string
}

/** The error a call throws (or undefined), for comparing messages and types. */
export function thrown(call: () => unknown): Error | undefined {
  try {
    call()
  } catch (error) {
    return error as Error
  }
  return undefined
}
