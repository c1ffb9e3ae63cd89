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

/**
 * IPv4 blocks that are not globally reachable: every such entry of the IANA IPv4 Special-Purpose
 * Address Registry (RFC 6890, updated by RFC 8190 and later assignments), multicast and class E.
 * The registry's globally reachable blocks stay allowed: 192.31.196.0/24 and 192.175.48.0/24
 * (AS112, RFC 7535, RFC 7534) and 192.52.193.0/24 (AMT, RFC 7450).
 */
const V4_BLOCKED: [number, number][] = (
  [
    ['0.0.0.0', 8], // "this network" (RFC 791 §3.2), 0.0.0.0 unspecified
    ['10.0.0.0', 8], // private (RFC 1918)
    ['100.64.0.0', 10], // shared address space, carrier-grade NAT (RFC 6598)
    ['127.0.0.0', 8], // loopback (RFC 1122 §3.2.1.3)
    ['169.254.0.0', 16], // link-local (RFC 3927), where cloud metadata services live
    ['172.16.0.0', 12], // private (RFC 1918)
    // IETF protocol assignments (RFC 6890 §2.2.2): DS-Lite, the dummy address, NAT64 discovery
    // (RFC 7050). Its two anycast addresses that are reachable, 192.0.0.9 (PCP, RFC 7723) and
    // 192.0.0.10 (TURN, RFC 8155), are refused too: no push service answers there.
    ['192.0.0.0', 24],
    ['192.0.2.0', 24], // documentation TEST-NET-1 (RFC 5737)
    ['192.88.99.0', 24], // 6to4 relay anycast, deprecated (RFC 7526 §4), 6a44 (RFC 6751)
    ['192.168.0.0', 16], // private (RFC 1918)
    ['198.18.0.0', 15], // benchmarking (RFC 2544)
    ['198.51.100.0', 24], // documentation TEST-NET-2 (RFC 5737)
    ['203.0.113.0', 24], // documentation TEST-NET-3 (RFC 5737)
    ['224.0.0.0', 4], // multicast (RFC 5771)
    ['240.0.0.0', 4], // reserved (RFC 1112 §4), and 255.255.255.255 limited broadcast (RFC 919)
  ] as const
).map(([a, bits]) => [parseIPv4(a) as number, (0xffffffff << (32 - bits)) >>> 0])

function v4Blocked(v: number): boolean {
  for (const [base, mask] of V4_BLOCKED) if ((v & mask) >>> 0 === base) return true
  return false
}

/**
 * IPv6 blocks inside global unicast 2000::/3 that are not globally reachable (IANA IPv6
 * Special-Purpose Address Registry, RFC 6890 and RFC 8190 and later assignments), as the first
 * groups and a prefix length.
 */
const V6_BLOCKED: [number[], number][] = [
  // IETF protocol assignments (RFC 2928). Inside: Teredo 2001::/32 (RFC 4380), refused whole, not
  // judged by its embedded addresses: packets go through the Teredo server in bits 32-63 to the
  // client address, obfuscated, in bits 96-127 and the client's port, and RFC 6890 marks it "N/A"
  // for global reachability; benchmarking 2001:2::/48 (RFC 5180); ORCHID 2001:10::/28 (RFC 4843).
  // The blocks in it that the registry marks reachable are refused too: the PCP, TURN and DNS-SD
  // anycast addresses 2001:1::1-3, AMT 2001:3::/32, AS112 2001:4:112::/48 are services no push
  // service runs on, and ORCHIDv2 2001:20::/28 (RFC 7343) and DETs 2001:30::/28 (RFC 9374) are
  // identifiers.
  [[0x2001, 0x0000], 23],
  [[0x2001, 0x0db8], 32], // documentation (RFC 3849)
  [[0x3fff, 0x0000], 20], // documentation (RFC 9637)
]

function v6InBlock(g: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff
    if (((g[i] as number) & mask) !== ((prefix[i] ?? 0) & mask)) return false
  }
  return true
}

function v6Blocked(g: number[]): boolean {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, i = 0] = g
  const embedded = ((h << 16) | i) >>> 0
  // IPv4-mapped ::ffff:0:0/96 (RFC 4291 §2.5.5.2): a dual-stack socket connects to the embedded IPv4
  // address itself, so that address is judged.
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0xffff) return v4Blocked(embedded)
  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052 §2.1): the translator connects to the IPv4 address
  // in the last 32 bits, so that address is judged (RFC 6052 §3.1 forbids the prefix for non-global
  // IPv4 addresses anyway).
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return v4Blocked(embedded)
  // Everything outside global unicast 2000::/3 (RFC 4291 §2.4; the IANA IPv6 Address Space registry
  // marks the rest reserved, unique-local, link-local or multicast) is refused whole, embedded IPv4
  // or not: unspecified :: and loopback ::1; the deprecated IPv4-compatible ::/96 (RFC 4291
  // §2.5.5.1); IPv4-translated ::ffff:0:0:0/96 (RFC 2765 §2.1), meant for a site's own translator;
  // local-use NAT64 64:ff9b:1::/48 (RFC 8215), whose prefix length and so the place of the embedded
  // address is each site's choice (RFC 6052 §2.2); discard-only 100::/64 (RFC 6666); the dummy
  // prefix 100:0:0:1::/64 (RFC 9780); SRv6 SIDs 5f00::/16 (RFC 9602); unique-local fc00::/7 (RFC
  // 4193); link-local fe80::/10 (RFC 4291 §2.5.6); site-local fec0::/10 (RFC 3879); multicast ff00::/8.
  if ((a & 0xe000) !== 0x2000) return true
  // 6to4 2002::/16 (RFC 3056 §2): packets go, through a relay, to the IPv4 address in bits 16-47, so
  // that address is judged.
  if (a === 0x2002) return v4Blocked(((b << 16) | c) >>> 0)
  for (const [prefix, bits] of V6_BLOCKED) if (v6InBlock(g, prefix, bits)) return true
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
 * True when `address` (an IP literal, brackets allowed) is not globally reachable: every such block
 * of the IANA IPv4 and IPv6 Special-Purpose Address Registries (loopback, private, shared, link-local,
 * unique-local, unspecified, benchmarking, documentation, protocol assignments, Teredo, local-use
 * NAT64...), multicast, IPv4 class E, and all IPv6 space outside global unicast 2000::/3. IPv4-mapped,
 * NAT64 (64:ff9b::/96) and 6to4 addresses are judged by the IPv4 address they embed. Unparseable text
 * counts as blocked.
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
