/**
 * HTTP/1.1 interim answers. A client must accept any number of 1xx answers before the final one,
 * even ones it did not ask for (RFC 9110 §15.2). undici fails the request on an unasked
 * `100 Continue`, which would report a message the service took as a network error, and the caller
 * might send it twice. So interim answers are dropped from a connection's input before undici's
 * parser reads it.
 */
import type { Socket } from 'node:net'

/** Longest interim answer head kept while waiting for its end (undici's own header limit). */
const MAX_HEAD = 16 * 1024
const STATUS_LINE = Buffer.from('HTTP/1.', 'latin1')

/**
 * The length of the complete interim (1xx but 101) answers at the start of `data`; `-1` when `data`
 * ends inside what may be one, so more bytes are needed.
 */
export function interimLength(data: Buffer): number {
  let at = 0
  while (at < data.length) {
    // Most answers are final: their status code's first digit, the cheapest test, is not 1.
    if (data.length - at >= 10 && data[at + 9] !== 0x31) return at
    const n = Math.min(data.length - at, 13)
    for (let i = 0; i < n; i++) if (!fits(i, data[at + i] as number)) return at
    if (n < 13) return -1
    // 101 Switching Protocols is not interim here: we never ask for an upgrade, so undici refuses it.
    if (data[at + 10] === 0x30 && data[at + 11] === 0x31) return at
    const end = headEnd(data, at + 12)
    if (end < 0) return data.length - at > MAX_HEAD ? at : -1
    at = end
  }
  return at
}

/**
 * Whether byte `c` may be at `i` in the start of an interim answer's status line (RFC 9112 §4):
 * 'HTTP/1.' DIGIT SP '1' DIGIT DIGIT, then SP or the line's end (a bare LF is accepted, §2.2).
 */
function fits(i: number, c: number): boolean {
  if (i < 7) return c === STATUS_LINE[i]
  if (i === 8) return c === 0x20
  if (i === 9) return c === 0x31
  if (i === 12) return c === 0x20 || c === 0x0d || c === 0x0a
  return c >= 0x30 && c <= 0x39
}

/** The index just past the empty line that ends a head starting before `from`, or -1. */
function headEnd(data: Buffer, from: number): number {
  for (let i = data.indexOf(10, from); i !== -1; i = data.indexOf(10, i + 1)) {
    // A line ends in CRLF, or a bare LF, which a recipient may accept (RFC 9112 §2.2).
    if (data[i + 1] === 10) return i + 2
    if (data[i + 1] === 13 && data[i + 2] === 10) return i + 3
  }
  return -1
}

/**
 * Makes `socket` drop interim answers before its reader sees them. Only the first bytes of each
 * answer are looked at (those read after a request was written: with one request at a time on a
 * connection, an answer starts there), so a body that happens to look like a status line is left
 * alone. The cost is a flag set on each write and a test on each read.
 */
export function skipInterimAnswers(socket: Socket): void {
  let atStart = false
  let held: Buffer | undefined
  const write = socket.write
  const read = socket.read
  socket.write = function (this: Socket, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    atStart = true
    return (write as (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean).call(
      this,
      chunk,
      encoding,
      callback,
    )
  } as Socket['write']
  socket.read = function (this: Socket, size?: number) {
    let chunk = read.call(this, size) as Buffer | null
    if (!atStart || chunk === null) return chunk
    if (held !== undefined) {
      chunk = Buffer.concat([held, chunk])
      held = undefined
    }
    const skip = interimLength(chunk)
    if (skip < 0) {
      // Part of an interim answer: wait for the rest ('readable' fires again when it comes).
      held = chunk
      return null
    }
    if (skip === chunk.length) return null
    atStart = false
    return skip === 0 ? chunk : chunk.subarray(skip)
  }
}
