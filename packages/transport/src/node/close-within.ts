/** Closing connections gracefully, with a bound. */

/** How long closing waits for connections to close gracefully before destroying them, in ms. */
export const CLOSE_GRACE_MS = 1000

/** Settles when `closing` does, or after `ms` with `force()` called. The timer does not hold the process. */
export function closeWithin(closing: Promise<unknown>, ms: number, force: () => unknown): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      try {
        force()
      } finally {
        resolve()
      }
    }, ms)
    timer.unref()
    const done = () => {
      clearTimeout(timer)
      resolve()
    }
    closing.then(done, done)
  })
}
