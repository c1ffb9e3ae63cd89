// CPU time of the whole machine and of another process, read from /proc (Linux), so a bench can say
// how much of the cores its sink and other processes took while it measured. Null where unknown.
import { readFileSync } from 'node:fs'

/** CPU seconds used by the whole machine (all cores) since boot, from /proc/stat; null where unknown. */
export function machineCpuSeconds() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal, in USER_HZ (100 on Linux)
    return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields[7] ?? 0)) / 100
  } catch {
    return null
  }
}

/** CPU seconds (user + system, all threads) used by process `pid`, from /proc/PID/stat; null where unknown. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime (fields 14 and 15)
  } catch {
    return null
  }
}

/**
 * A snapshot to measure a slice with: this process's CPU (µs, `process.cpuUsage()`, all its threads),
 * another process's and the machine's (seconds, from /proc), and the wall clock (ms).
 */
export function cpuSnapshot(otherPid) {
  return {
    own: process.cpuUsage(),
    other: otherPid === undefined ? null : processCpuSeconds(otherPid),
    machine: machineCpuSeconds(),
    at: performance.now(),
  }
}

/**
 * What happened between two snapshots: `ms` of wall clock, this process's CPU in µs, the other
 * process's CPU in µs, and `othersCores`: the cores every remaining process used on average
 * (null where /proc is missing).
 */
export function cpuBetween(a, b) {
  const ms = b.at - a.at
  const ownUs = b.own.user - a.own.user + (b.own.system - a.own.system)
  const otherUs = a.other === null || b.other === null ? null : (b.other - a.other) * 1e6
  const othersCores =
    a.machine === null || b.machine === null
      ? null
      : Math.max(0, (b.machine - a.machine) * 1e6 - ownUs - (otherUs ?? 0)) / 1000 / ms
  return { ms, ownUs, otherUs, othersCores }
}
