/** The checks of the options that `createPushQueue` and `startPushWorker` share. */
import { describeValue } from '@wp/ece/utils'
import { invalid } from './redis.js'

/**
 * Refuses an option that is not one of `known`, naming it (an option's name is no secret; it is
 * cut to 40 characters) and the ones expected, so a misspelt option is found at once.
 */
export function checkOptionNames(options: object, known: readonly string[]): void {
  for (const key of Object.keys(options))
    if (!known.includes(key))
      throw invalid(`unknown option ${JSON.stringify(key.slice(0, 40))}: expected one of ${known.join(', ')}`)
}

/** Checks a queue name: BullMQ's key separator `:` cannot be in it. */
export function checkName(name: unknown): string {
  if (name === undefined) return 'wp-push'
  if (typeof name !== 'string' || !/^[\w.-]{1,100}$/.test(name))
    throw invalid(`name must be 1 to 100 letters, digits, '_', '.' or '-', got ${describeValue(name)}`)
  return name
}

/** `value` when it is a positive integer, `fallback` when it is absent. */
export function positiveInteger(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || (value as number) < 1)
    throw invalid(`${field} must be a positive integer, got ${describeValue(value)}`)
  return value as number
}
