// Measuring on a shared machine: wait until other processes are quiet before a round, and run a
// slice again when they were busy during it. Linux only (/proc/stat); elsewhere it never waits.
import { readFileSync } from 'node:fs'

/** CPU seconds used by the whole machine and by this process, from /proc/stat; null where unknown. */
function cpuSnapshot() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal, in USER_HZ (100 on Linux)
    const busy = (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields[7] ?? 0)) / 100
    const own = process.cpuUsage()
    return { busy, own: (own.user + own.system) / 1e6, at: performance.now() / 1000 }
  } catch {
    return null
  }
}

/** Cores used by other processes between two snapshots (null where unknown). */
function othersLoad(a, b) {
  if (a === null || b === null) return null
  return Math.max(0, b.busy - a.busy - (b.own - a.own)) / (b.at - a.at)
}

/**
 * A gate for one bench run.
 * - `quiet`: cores other processes may use before a round starts;
 * - `noisy`: cores they may use during a slice before it runs again (up to `retries` times);
 * - `patienceMs`: waiting in all, for the whole run, after which it measures regardless.
 */
export function quietGate({ quiet, noisy, retries, patienceMs }) {
  let waited = 0
  const patient = () => waited <= patienceMs

  /** Waits until other processes use less than `quiet` cores, or the patience is spent. */
  async function waitForQuiet() {
    while (patient()) {
      const a = cpuSnapshot()
      await new Promise((resolve) => setTimeout(resolve, 250))
      const load = othersLoad(a, cpuSnapshot())
      if (load === null || load < quiet) return
      waited += 250
      if (!patient())
        console.log(`  the machine stays busy (others use ${load.toFixed(2)} cores): measuring regardless from now on`)
    }
  }

  /** Runs `measure()` (one slice), again while other processes were busy meanwhile; adds `others` and `noisy`. */
  async function slice(measure) {
    for (let attempt = 0; ; attempt++) {
      const before = cpuSnapshot()
      const result = await measure()
      const others = othersLoad(before, cpuSnapshot())
      const busy = others !== null && others > noisy
      if (!busy || attempt === retries || !patient()) return { ...result, others, noisy: busy }
      await waitForQuiet()
    }
  }

  return { waitForQuiet, slice }
}
