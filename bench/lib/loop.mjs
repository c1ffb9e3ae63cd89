// The timing loop and the statistics of the benches, with no Node import: bench/lib/measure.mjs
// uses them in Node, and bench/lib/backend-bench.mjs in every runtime (Deno, Bun, browsers, workerd).

/** Calls `run` back to back, each awaited, for `ms` milliseconds; the calls made, the time taken, the rate per second and the last result. */
export async function slice(run, ms) {
  let count = 0
  let last
  const start = performance.now()
  const end = start + ms
  let now
  do {
    last = await run()
    count++
  } while ((now = performance.now()) < end)
  const elapsed = now - start
  return { count, elapsed, rate: (count * 1000) / elapsed, last }
}

/** The `q` quantile (0 to 1) of numbers, interpolated between neighbours. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  return sorted[low] + (sorted[Math.ceil(at)] - sorted[low]) * (at - low)
}

/** Median of numbers. */
export function median(values) {
  return quantile(values, 0.5)
}
