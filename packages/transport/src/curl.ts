/** `toCurl`: a POSIX shell command that sends the same request with curl. */
import { checkRequest } from './request.js'
import type { PushRequest } from './types.js'

/** Quotes a string for a POSIX shell: single quotes, with `'` written as `'\''`. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

/**
 * `bytes` as a `printf` format that prints exactly these bytes (POSIX printf: octal escapes only).
 * Printable ASCII stays literal except `\`, `%`, `'`, and a leading `-` (printf would take it for
 * an option).
 */
function printfFormat(bytes: Iterable<number>): string {
  let out = ''
  let first = true
  for (const byte of bytes) {
    const literal = byte >= 0x20 && byte < 0x7f && byte !== 0x5c && byte !== 0x25 && byte !== 0x27
    if (literal && !(first && byte === 0x2d)) out += String.fromCharCode(byte)
    else out += `\\${byte.toString(8).padStart(3, '0')}`
    first = false
  }
  return out
}

/** True when every character is printable ASCII (or a tab). */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7e) return false
  return true
}

/** Latin-1 code points of a checked header field, as bytes: what the transport writes on the wire. */
function* latin1(text: string): Generator<number> {
  for (let i = 0; i < text.length; i++) yield text.charCodeAt(i)
}

/**
 * One `-H` argument. Names are tokens, so the argument never starts with `@` (curl would read headers
 * from that file). Values beyond ASCII are Latin-1 (RFC 9110 §5.5 obs-text) and go through `printf`
 * octal escapes, so curl sends the same bytes whatever the terminal's encoding.
 */
function headerArg(name: string, value: string): string {
  // curl drops a header given as "Name:" with nothing after it; "Name;" sends it empty.
  const field = value === '' ? `${name};` : `${name}: ${value}`
  return isAscii(field) ? quote(field) : `"$(printf ${quote(printfFormat(latin1(field)))})"`
}

/**
 * A command that runs as pasted in a POSIX shell (sh, bash, zsh, dash) and sends the same method,
 * URL, headers and body bytes. The request is checked as `send` checks it (not the private-network
 * guard: the command runs wherever it is pasted), so a header can neither add another nor name a
 * file, and the URL is the one the transport sends to (parsed and serialised by the WHATWG URL
 * parser, without fragment), passed with `--url` under `--globoff`: curl never reads `{}`/`[]` in it
 * as globs that would send the request, `Authorization` included, to several hosts or paths.
 * curl's own `Content-Type` for a request body is removed unless the request sets one; curl still
 * adds its `Host`, `User-Agent`, `Accept` and `Content-Length`.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a request `send` would refuse
 * @example
 * ```ts
 * toCurl({ endpoint: 'https://push.example/p/abc', headers: { TTL: '60' }, body: new Uint8Array([0xf8, 0x2d]) })
 * // printf '\370-' | curl --globoff -sS -i -X POST -H 'TTL: 60' -H 'Content-Type:' --data-binary @- --url 'https://push.example/p/abc'
 * ```
 */
export function toCurl(request: PushRequest): string {
  const checked = checkRequest(request, true)
  const args = ['curl', '--globoff', '-sS', '-i', '-X', 'POST']
  let hasContentType = false
  for (const name in checked.headers) {
    if (name.toLowerCase() === 'content-type') hasContentType = true
    args.push('-H', headerArg(name, checked.headers[name] as string))
  }
  const url = quote(`${checked.origin}${checked.path}`)
  const body = checked.body
  if (body === undefined || body.length === 0) {
    args.push('-H', quote('Content-Length: 0'), '--url', url)
    return args.join(' ')
  }
  if (!hasContentType) args.push('-H', quote('Content-Type:'))
  args.push('--data-binary', '@-', '--url', url)
  return `printf ${quote(printfFormat(body))} | ${args.join(' ')}`
}
