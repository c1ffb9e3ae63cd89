/** The path of an HTTP request target, read without resolving it against anything. */

/** absolute-form starts with a scheme and `://` (RFC 9112 §3.2.2). */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//

/**
 * The path of a request target (RFC 9112 §3.2), or undefined when it has none or is malformed.
 *
 * origin-form (`/path?query`, §3.2.1) is what every sender and browser sends: its path is taken as it
 * stands, up to `?`. It is never parsed as a relative URL, which would read `//[` as an authority (and
 * throw) and `//push/x` as the host `push`. absolute-form (`http://host/path`, §3.2.2), which servers
 * must accept, is parsed as a URL, and a malformed one has no path. authority-form (`host:port`,
 * CONNECT only) and asterisk-form (`*`, OPTIONS only) have none either.
 */
export function requestPath(target: string): string | undefined {
  if (target.startsWith('/')) {
    const end = target.indexOf('?')
    return end < 0 ? target : target.slice(0, end)
  }
  if (!ABSOLUTE_FORM.test(target)) return undefined
  try {
    return new URL(target).pathname
  } catch {
    return undefined
  }
}
