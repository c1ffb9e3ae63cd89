/**
 * The private-network guard: which IP addresses a push request may go to. Subscription endpoints
 * come from browsers, so a server must not let them point into its own network.
 */

/** Parses an IPv4 dotted quad to a 32-bit number, or undefined. */
function parseIPv4(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let value = 0
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined
    const n = Number(part)
    if (n > 255) return undefined
    value = value * 256 + n
  }
  return value
}

/** Parses an IPv6 address (with an optional embedded IPv4 tail and zone) to 8 16-bit groups, or undefined. */
function parseIPv6(input: string): number[] | undefined {
  let text = input
  const zone = text.indexOf('%')
  if (zone >= 0) text = text.slice(0, zone)
  if (!text.includes(':')) return undefined
  let tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  const last = text.slice(lastColon + 1)
  if (last.includes('.')) {
    const v4 = parseIPv4(last)
    if (v4 === undefined) return undefined
    tail = [v4 >>> 16, v4 & 0xffff]
    text = text.slice(0, lastColon + 1)
    if (!text.endsWith('::')) text = text.slice(0, -1)
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const read = (s: string): number[] | undefined => {
    if (s === '') return []
    const out: number[] = []
    for (const g of s.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined
      out.push(Number.parseInt(g, 16))
    }
    return out
  }
  const head = read(halves[0] as string)
  const rest = halves.length === 2 ? read(halves[1] as string) : []
  if (head === undefined || rest === undefined) return undefined
  const total = head.length + rest.length + tail.length
  if (halves.length === 1) return total === 8 ? [...head, ...tail] : undefined
  if (total > 7) return undefined
  return [...head, ...new Array<number>(8 - total).fill(0), ...rest, ...tail]
}

/** IPv4 ranges that are not the public internet (RFC 6890 and friends). */
const V4_BLOCKED: [number, number][] = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
].map(([a, bits]) => [parseIPv4(a as string) as number, bits as number])

function v4Blocked(v: number): boolean {
  for (const [base, bits] of V4_BLOCKED) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
    if ((v & mask) >>> 0 === (base & mask) >>> 0) return true
  }
  return false
}

function v6Blocked(g: number[]): boolean {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, i = 0] = g
  const embedded = ((h << 16) | i) >>> 0
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0) {
    if (f === 0xffff) return v4Blocked(embedded) // IPv4-mapped ::ffff:a.b.c.d
    if (f === 0) return true // :: unspecified, ::1 loopback, deprecated IPv4-compatible ::a.b.c.d
  }
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return v4Blocked(embedded) // NAT64
  if (a === 0x2002) return v4Blocked(((b << 16) | c) >>> 0) // 6to4
  if ((a & 0xfe00) === 0xfc00) return true // unique local fc00::/7
  if ((a & 0xffc0) === 0xfe80) return true // link-local fe80::/10
  if ((a & 0xffc0) === 0xfec0) return true // site-local (deprecated) fec0::/10
  if ((a & 0xff00) === 0xff00) return true // multicast
  if (a === 0x100 && b === 0 && c === 0 && d === 0) return true // discard 100::/64
  if (a === 0x2001 && b === 0xdb8) return true // documentation
  return false
}

/** What kind of address a text is: `'ipv4'`, `'ipv6'`, or undefined for a host name. */
export function ipKind(host: string): 'ipv4' | 'ipv6' | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (parseIPv4(bare) !== undefined) return 'ipv4'
  if (parseIPv6(bare) !== undefined) return 'ipv6'
  return undefined
}

/**
 * True when `address` (an IP literal, brackets allowed) is loopback, private, link-local,
 * unique-local, unspecified, multicast, reserved or documentation space, including IPv4-mapped,
 * NAT64 and 6to4 forms of such IPv4 addresses. Unparseable text counts as blocked.
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  const v4 = parseIPv4(bare)
  if (v4 !== undefined) return v4Blocked(v4)
  const v6 = parseIPv6(bare)
  if (v6 !== undefined) return v6Blocked(v6)
  return true
}

/** Host names that always mean this machine or its network. */
export function isPrivateHostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  return h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal') || h === ''
}
