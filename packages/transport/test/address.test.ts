import { isIP } from 'node:net'
import { describe, expect, it } from 'vitest'
import { ipKind, isPrivateAddress } from '../src/address.js'

describe('isPrivateAddress', () => {
  const blocked = [
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    '[::1]',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:192.168.0.1',
    '64:ff9b::a00:1',
    '2002:c0a8:101::1',
    'ff02::1',
    '::127.0.0.1',
    '0:0:0:0:0:ffff:169.254.169.254',
    'not-an-ip',
  ]
  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '172.15.255.255',
    '192.169.0.1',
    '100.128.0.1',
    '2607:f8b0:4004:c07::5f',
    '2a00:1450:4001:82b::200a',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ]
  it.each(blocked)('blocks %s', (a) => expect(isPrivateAddress(a)).toBe(true))
  it.each(allowed)('allows %s', (a) => expect(isPrivateAddress(a)).toBe(false))
  it('agrees with node:net on what an IP literal is', () => {
    for (const a of [...blocked, ...allowed, '1.2.3', '1.2.3.4.5', '::g', '1::2::3', '256.1.1.1']) {
      const bare = a.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
      const node = isIP(bare)
      expect(ipKind(a)).toBe(node === 4 ? 'ipv4' : node === 6 ? 'ipv6' : undefined)
    }
  })
})

/**
 * Every block of the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890, RFC 8190 and
 * later entries) that is not globally reachable, plus multicast and the space IANA never allocated
 * for unicast: first and last address refused, a neighbour just outside with its own verdict
 * (refused when it belongs to another refused block, said in `why`).
 */
interface Row {
  range: string
  first: string
  last: string
  /** Addresses inside that must be refused too (embedded public IPv4 included). */
  inside?: string[]
  /** Neighbours just outside the range and whether they are allowed. */
  outside: [string, boolean, string?][]
}

const v4: Row[] = [
  { range: '0.0.0.0/8', first: '0.0.0.0', last: '0.255.255.255', outside: [['1.0.0.0', true]] },
  {
    range: '10.0.0.0/8',
    first: '10.0.0.0',
    last: '10.255.255.255',
    outside: [
      ['9.255.255.255', true],
      ['11.0.0.0', true],
    ],
  },
  {
    range: '100.64.0.0/10',
    first: '100.64.0.0',
    last: '100.127.255.255',
    outside: [
      ['100.63.255.255', true],
      ['100.128.0.0', true],
    ],
  },
  {
    range: '127.0.0.0/8',
    first: '127.0.0.0',
    last: '127.255.255.255',
    outside: [
      ['126.255.255.255', true],
      ['128.0.0.0', true],
    ],
  },
  {
    range: '169.254.0.0/16',
    first: '169.254.0.0',
    last: '169.254.255.255',
    outside: [
      ['169.253.255.255', true],
      ['169.255.0.0', true],
    ],
  },
  {
    range: '172.16.0.0/12',
    first: '172.16.0.0',
    last: '172.31.255.255',
    outside: [
      ['172.15.255.255', true],
      ['172.32.0.0', true],
    ],
  },
  {
    range: '192.0.0.0/24',
    first: '192.0.0.0',
    last: '192.0.0.255',
    // PCP and TURN anycast, NAT64 discovery: reachable or not, never a push service.
    inside: ['192.0.0.8', '192.0.0.9', '192.0.0.10', '192.0.0.170', '192.0.0.171'],
    outside: [
      ['191.255.255.255', true],
      ['192.0.1.0', true],
    ],
  },
  {
    range: '192.0.2.0/24',
    first: '192.0.2.0',
    last: '192.0.2.255',
    outside: [
      ['192.0.1.255', true],
      ['192.0.3.0', true],
    ],
  },
  {
    range: '192.88.99.0/24',
    first: '192.88.99.0',
    last: '192.88.99.255',
    inside: ['192.88.99.1', '192.88.99.2'],
    outside: [
      ['192.88.98.255', true],
      ['192.88.100.0', true],
    ],
  },
  {
    range: '192.168.0.0/16',
    first: '192.168.0.0',
    last: '192.168.255.255',
    outside: [
      ['192.167.255.255', true],
      ['192.169.0.0', true],
    ],
  },
  {
    range: '198.18.0.0/15',
    first: '198.18.0.0',
    last: '198.19.255.255',
    outside: [
      ['198.17.255.255', true],
      ['198.20.0.0', true],
    ],
  },
  {
    range: '198.51.100.0/24',
    first: '198.51.100.0',
    last: '198.51.100.255',
    outside: [
      ['198.51.99.255', true],
      ['198.51.101.0', true],
    ],
  },
  {
    range: '203.0.113.0/24',
    first: '203.0.113.0',
    last: '203.0.113.255',
    outside: [
      ['203.0.112.255', true],
      ['203.0.114.0', true],
    ],
  },
  {
    range: '224.0.0.0/4',
    first: '224.0.0.0',
    last: '239.255.255.255',
    outside: [
      ['223.255.255.255', true],
      ['240.0.0.0', false, '240.0.0.0/4'],
    ],
  },
  {
    range: '240.0.0.0/4',
    first: '240.0.0.0',
    last: '255.255.255.255',
    outside: [['239.255.255.255', false, '224.0.0.0/4']],
  },
]

const v6: Row[] = [
  {
    range: '::/96 (unspecified, loopback, deprecated IPv4-compatible)',
    first: '::',
    last: '::ffff:ffff',
    inside: ['::1', '::8.8.8.8', '::808:808'],
    outside: [['::1:0:0', false, 'reserved ::/8']],
  },
  {
    range: '::ffff:0:0/96 (IPv4-mapped: the embedded address is judged)',
    first: '::ffff:0.0.0.0',
    last: '::ffff:255.255.255.255',
    inside: ['::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:192.88.99.1', '::ffff:0:0'],
    outside: [
      ['::ffff:8.8.8.8', true],
      ['::ffff:808:808', true],
      ['::fffe:ffff:ffff', false, 'reserved ::/8'],
      ['::1:0:0:0', false, 'reserved ::/8'],
    ],
  },
  {
    range: '::ffff:0:0:0/96 (IPv4-translated, RFC 2765)',
    first: '::ffff:0:0:0',
    last: '::ffff:0:ffff:ffff',
    inside: ['::ffff:0:808:808', '::ffff:0:7f00:1', '0:0:0:0:ffff:0:8.8.8.8'],
    outside: [['::ffff:1:0:0', false, 'reserved ::/8']],
  },
  {
    range: '64:ff9b::/96 (NAT64: the embedded address is judged)',
    first: '64:ff9b::',
    last: '64:ff9b::ffff:ffff',
    inside: ['64:ff9b::7f00:1', '64:ff9b::a00:1', '64:ff9b::192.168.0.1', '64:ff9b::c058:6301'],
    outside: [
      ['64:ff9b::808:808', true],
      ['64:ff9b::8.8.8.8', true],
      ['64:ff9b::1:0:0', false, 'reserved ::/8'],
      ['64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff', false, 'reserved ::/8'],
    ],
  },
  {
    range: '64:ff9b:1::/48 (local-use NAT64)',
    first: '64:ff9b:1::',
    last: '64:ff9b:1:ffff:ffff:ffff:ffff:ffff',
    inside: ['64:ff9b:1::808:808', '64:ff9b:1:808:800::'],
    outside: [['64:ff9b:2::', false, 'reserved ::/8']],
  },
  {
    range: '100::/64 (discard-only)',
    first: '100::',
    last: '100::ffff:ffff:ffff:ffff',
    outside: [['ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false, 'reserved ::/8']],
  },
  {
    range: '100:0:0:1::/64 (dummy prefix)',
    first: '100:0:0:1::',
    last: '100::1:ffff:ffff:ffff:ffff',
    outside: [['100:0:0:2::', false, 'reserved 100::/8']],
  },
  {
    range: '2001::/23 (IETF protocol assignments, Teredo 2001::/32 and benchmarking 2001:2::/48 inside)',
    first: '2001::',
    last: '2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff',
    inside: [
      // Teredo (RFC 4380 §4) with a public server and client, and with an obfuscated loopback client.
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      '2001:0:808:808::80ff:fffe',
      '2001:2::',
      '2001:2:0:ffff:ffff:ffff:ffff:ffff',
      '2001:1::1',
      '2001:3::1',
      '2001:4:112::1',
      '2001:10::1',
      '2001:20::1',
      '2001:30::1',
    ],
    outside: [
      ['2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
      ['2001:200::', true],
    ],
  },
  {
    range: '2001:db8::/32 (documentation)',
    first: '2001:db8::',
    last: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff',
    outside: [
      ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', true],
      ['2001:db9::', true],
    ],
  },
  {
    range: '2002::/16 (6to4: the embedded address is judged)',
    first: '2002::',
    last: '2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    inside: ['2002:7f00:1::1', '2002:c0a8:101::1', '2002:a9fe:a9fe::', '2002:c058:6301::'],
    outside: [
      ['2002:808:808::1', true],
      ['2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
      ['2003::', true],
    ],
  },
  {
    range: '3fff::/20 (documentation)',
    first: '3fff::',
    last: '3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff',
    outside: [
      ['3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
      ['3fff:1000::', true],
    ],
  },
  {
    range: '5f00::/16 (SRv6 SIDs)',
    first: '5f00::',
    last: '5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    outside: [
      ['5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false, 'reserved 4000::/3'],
      ['5f01::', false, 'reserved 4000::/3'],
    ],
  },
  {
    range: 'fc00::/7 (unique local)',
    first: 'fc00::',
    last: 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    outside: [
      ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false, 'reserved f800::/6'],
      ['fe00::', false, 'reserved fe00::/9'],
    ],
  },
  {
    range: 'fe80::/10 (link-local)',
    first: 'fe80::',
    last: 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    inside: ['fe80::1%eth0'],
    outside: [['fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false, 'reserved fe00::/9']],
  },
  {
    range: 'fec0::/10 (site-local, deprecated)',
    first: 'fec0::',
    last: 'feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    outside: [['ff00::', false, 'multicast']],
  },
  {
    range: 'ff00::/8 (multicast)',
    first: 'ff00::',
    last: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    outside: [['feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false, 'site-local']],
  },
  {
    range: 'outside 2000::/3: reserved by the IETF (RFC 4291 §2.4)',
    first: '4000::',
    last: '5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    inside: [
      '1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      '6000::1',
      '8000::1',
      'a000::1',
      'c000::1',
      'e000::1',
      'f000::1',
      '200::1',
    ],
    outside: [
      ['2000::', true],
      ['3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ],
  },
]

describe.each([
  ['IPv4', v4],
  ['IPv6', v6],
] as const)('the %s special-purpose registry', (_, rows) => {
  it.each(rows)('$range', (row) => {
    for (const address of [row.first, row.last, ...(row.inside ?? [])])
      expect(isPrivateAddress(address), `${address} is in ${row.range}`).toBe(true)
    for (const [address, allowed, why] of row.outside)
      expect(isPrivateAddress(address), `${address}, outside ${row.range}${why ? `, in ${why}` : ''}`).toBe(!allowed)
    // Bracketed forms as URLs carry them.
    if (row.first.includes(':')) expect(isPrivateAddress(`[${row.first}]`)).toBe(true)
  })

  it('agrees with node:net on every address of the table', () => {
    for (const row of rows)
      for (const a of [row.first, row.last, ...(row.inside ?? []), ...row.outside.map(([x]) => x)])
        expect(isIP(a.replace(/%.*$/, '')), a).toBe(a.includes(':') ? 6 : 4)
  })
})

describe('globally reachable special-purpose blocks stay allowed', () => {
  it.each([
    '192.31.196.1', // AS112-v4 (RFC 7535)
    '192.52.193.1', // AMT (RFC 7450)
    '192.175.48.1', // AS112 direct delegation (RFC 7534)
    '2620:4f:8000::1', // AS112 direct delegation (RFC 7534)
    '64:ff9b::1.1.1.1', // NAT64 of a public address (RFC 6052)
    '2002:101:101::1', // 6to4 of a public address (RFC 3056)
  ])('allows %s', (a) => expect(isPrivateAddress(a)).toBe(false))
})
