/** Redis connections: a URL or ioredis options, made into clients that wait out a restart. */
import { WebPushError } from '@wp/ece'
import { describeValue } from '@wp/ece/utils'
import { Redis, type RedisOptions } from 'ioredis'

/** Where Redis is: a `redis://` or `rediss://` URL, or ioredis options. */
export type RedisConnection = string | RedisOptions

/**
 * A client for `connection`. Commands wait while Redis is away (a restart) instead of failing after
 * a few retries: `maxRetriesPerRequest: null`, as BullMQ's workers require.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a connection that is neither
 */
export function connect(connection: unknown, field = 'connection'): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true }
  if (typeof connection === 'string') {
    checkRedisUrl(connection, field)
    return new Redis(connection, options)
  }
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection))
    throw invalid(`${field} must be a redis:// URL or ioredis options, got ${describeValue(connection)}`)
  return new Redis({ ...(connection as RedisOptions), ...options })
}

/**
 * Checks a Redis URL without connecting, so a command can refuse a bad one before anything else.
 * The message never repeats the URL: it may hold a password.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` naming `field`, for anything but a redis:// or rediss:// URL
 */
export function checkRedisUrl(connection: string, field: string): void {
  let url: URL
  try {
    url = new URL(connection)
  } catch {
    throw invalid(`${field} must be a redis:// or rediss:// URL, got a string that is not a URL`)
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw invalid(`${field} must be a redis:// or rediss:// URL, got ${url.protocol}`)
}

/** Closes a client: QUIT when it is connected, else at once; never rejects. */
export async function disconnect(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await Promise.race([redis.quit(), new Promise((resolve) => setTimeout(resolve, 2000).unref())])
    } catch {
      // already closing
    }
  }
  redis.disconnect()
}

export function invalid(message: string): WebPushError {
  return new WebPushError('ERR_WP_INVALID_ARGUMENT', message)
}
