/** The demo's settings: read from the environment (`loadConfig`) or given to `createDemo`, each checked. */
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebPushError } from '@wp/ece'
import { describeValue } from '@wp/ece/utils'

/** Which push services the demo sends to. */
export type PushServiceMode = 'local' | 'public'

/** The demo's settings, every one filled in and checked. */
export interface DemoConfig {
  /** `PORT`: the demo's HTTP port (default 3000; 0 picks a free one). */
  port: number
  /** `HOST`: the interface to listen on (default 127.0.0.1). */
  host: string
  /** `DATA_DIR`: where `demo.db` and `vapid.pem` live (default `apps/demo/data`). */
  dataDir: string
  /** `DEMO_TOKEN`: the admin token; undefined makes the demo generate one at start. */
  token: string | undefined
  /** `PUSH_SERVICE`: `local` (default: a local push service beside the demo, and real services too) or `public`. */
  pushService: PushServiceMode
  /** `LOCAL_PUSH_PORT`: the local push service's port (default `PORT + 1`; 0 when `PORT` is 0). */
  localPushPort: number
  /** `REDIS_URL`: when set, batches go through a @wp/queue queue in this Redis and a worker beside the demo. */
  redisUrl: string | undefined
  /** `VAPID_SUBJECT`: the `sub` of the VAPID tokens (default `mailto:webpush-demo@example.com`). */
  vapidSubject: string
}

/** The defaults; `dataDir` is the package's own `data/` folder whether this runs from `src/` or `dist/`. */
export const DEFAULTS: { port: number; host: string; dataDir: string; vapidSubject: string } = {
  port: 3000,
  host: '127.0.0.1',
  dataDir: fileURLToPath(new URL('../data', import.meta.url)),
  vapidSubject: 'mailto:webpush-demo@example.com',
}

function invalid(message: string): WebPushError {
  return new WebPushError('ERR_WP_INVALID_ARGUMENT', message)
}

function checkPort(value: unknown, name: string): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 65535)
    throw invalid(`${name} must be a port number from 0 to 65535, got ${describeValue(value)}`)
  return value as number
}

/** Digits only: `Number()` would also take '', ' 80', '0x50' and '1e3'. */
function parsePort(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined
  if (!/^\d{1,5}$/.test(text)) throw invalid(`${name} must be a port number from 0 to 65535, got a non-numeric value`)
  return checkPort(Number(text), name)
}

/** A host name (RFC 1123 §2.1 labels) or an IP literal: what `listen()` and a URL both take. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)$/

/**
 * The admin token's alphabet: URL- and header-safe (RFC 3986 unreserved), so it travels as is in
 * `#token=…`, `?token=…` and `Authorization: Bearer …`; 16 characters at least, so it is not guessable.
 */
const TOKEN = /^[A-Za-z0-9._~-]{16,512}$/

/**
 * Fills in and checks the demo's settings.
 * @param input any of the settings; the rest take their defaults
 * @returns every setting, checked
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` naming the setting that is wrong and what was expected
 */
export function resolveConfig(input: Partial<DemoConfig> = {}): DemoConfig {
  const port = checkPort(input.port ?? DEFAULTS.port, 'PORT')
  const host = input.host ?? DEFAULTS.host
  if (typeof host !== 'string' || host.length > 253 || !HOST.test(host))
    throw invalid('HOST must be a host name or an IP address, such as 127.0.0.1')
  const dataDir = input.dataDir ?? DEFAULTS.dataDir
  if (typeof dataDir !== 'string' || dataDir === '') throw invalid('DATA_DIR must be a directory path')
  const token = input.token
  if (token !== undefined && (typeof token !== 'string' || !TOKEN.test(token)))
    throw invalid('DEMO_TOKEN must be 16 to 512 characters of A-Z, a-z, 0-9, ".", "_", "~" or "-"')
  const pushService = input.pushService ?? 'local'
  if (pushService !== 'local' && pushService !== 'public')
    throw invalid(`PUSH_SERVICE must be 'local' or 'public', got ${describeValue(pushService)}`)
  let localPushPort = input.localPushPort
  if (localPushPort === undefined) {
    if (port === 65535) throw invalid('LOCAL_PUSH_PORT must be set when PORT is 65535 (its default is PORT + 1)')
    localPushPort = port === 0 ? 0 : port + 1
  }
  checkPort(localPushPort, 'LOCAL_PUSH_PORT')
  if (pushService === 'local' && port !== 0 && localPushPort === port)
    throw invalid('LOCAL_PUSH_PORT must differ from PORT')
  const redisUrl = input.redisUrl
  if (redisUrl !== undefined) {
    let protocol = ''
    try {
      protocol = new URL(redisUrl).protocol
    } catch {}
    if (protocol !== 'redis:' && protocol !== 'rediss:') throw invalid('REDIS_URL must be a redis:// or rediss:// URL')
  }
  const vapidSubject = input.vapidSubject ?? DEFAULTS.vapidSubject
  // RFC 8292 §2.1: a mailto: or https: URI (@wp/vapid checks the rest when it signs).
  if (typeof vapidSubject !== 'string' || !/^(?:mailto:|https:\/\/)\S+$/.test(vapidSubject))
    throw invalid('VAPID_SUBJECT must be a mailto: or https: URI')
  return { port, host, dataDir, token, pushService, localPushPort, redisUrl, vapidSubject }
}

/**
 * Reads the settings from the environment: `PORT`, `HOST`, `DATA_DIR` (relative to the working
 * directory), `DEMO_TOKEN`, `PUSH_SERVICE`, `LOCAL_PUSH_PORT`, `REDIS_URL`, `VAPID_SUBJECT`. An empty
 * variable counts as unset.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` naming the variable that is wrong and what was expected
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): DemoConfig {
  const get = (name: string): string | undefined => (env[name] === '' ? undefined : env[name])
  const dataDir = get('DATA_DIR')
  const input: Partial<DemoConfig> = {}
  const port = parsePort(get('PORT'), 'PORT')
  if (port !== undefined) input.port = port
  const localPushPort = parsePort(get('LOCAL_PUSH_PORT'), 'LOCAL_PUSH_PORT')
  if (localPushPort !== undefined) input.localPushPort = localPushPort
  const host = get('HOST')
  if (host !== undefined) input.host = host
  if (dataDir !== undefined) input.dataDir = isAbsolute(dataDir) ? dataDir : resolve(dataDir)
  const token = get('DEMO_TOKEN')
  if (token !== undefined) input.token = token
  const pushService = get('PUSH_SERVICE')
  if (pushService !== undefined) input.pushService = pushService as PushServiceMode
  const redisUrl = get('REDIS_URL')
  if (redisUrl !== undefined) input.redisUrl = redisUrl
  const vapidSubject = get('VAPID_SUBJECT')
  if (vapidSubject !== undefined) input.vapidSubject = vapidSubject
  return resolveConfig(input)
}
