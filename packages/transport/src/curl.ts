/** `toCurl`: a POSIX shell command that sends the same request with curl. */
import type { PushRequest } from './types.js'

/** Quotes a string for a POSIX shell: single quotes, with `'` written as `'\''`. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

/**
 * The body as a `printf` format that prints exactly these bytes (POSIX printf: octal escapes only).
 * Printable ASCII stays literal except `\`, `%`, `'`, and a leading `-` (printf would take it for
 * an option).
 */
function printfFormat(body: Uint8Array): string {
  let out = ''
  for (const [i, byte] of body.entries()) {
    const literal = byte >= 0x20 && byte < 0x7f && byte !== 0x5c && byte !== 0x25 && byte !== 0x27
    if (literal && !(i === 0 && byte === 0x2d)) out += String.fromCharCode(byte)
    else out += `\\${byte.toString(8).padStart(3, '0')}`
  }
  return out
}

/**
 * A command that runs as pasted in a POSIX shell (sh, bash, zsh, dash) and sends the same method,
 * URL, headers and body bytes. curl's own `Content-Type` for a request body is removed unless the
 * request sets one; curl still adds its `Host`, `User-Agent`, `Accept` and `Content-Length`.
 */
export function toCurl(request: PushRequest): string {
  const args = ['curl', '-sS', '-i', '-X', 'POST']
  let hasContentType = false
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value === undefined) continue
    if (name.toLowerCase() === 'content-type') hasContentType = true
    // curl drops a header given as "Name:" with nothing after it; "Name;" sends it empty.
    args.push('-H', quote(value === '' ? `${name};` : `${name}: ${value}`))
  }
  const body = request.body
  if (body === undefined || body.length === 0) {
    args.push('-H', quote('Content-Length: 0'))
    return `${args.join(' ')} ${quote(request.endpoint)}`
  }
  if (!hasContentType) args.push('-H', quote('Content-Type:'))
  args.push('--data-binary', '@-', quote(request.endpoint))
  return `printf ${quote(printfFormat(body))} | ${args.join(' ')}`
}
