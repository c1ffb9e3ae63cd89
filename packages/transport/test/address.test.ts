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
