/** RFC 8188 §3.1 and §3.2, byte for byte, on every backend. */
import { describe, expect, it } from 'vitest'
import { backendByName } from '../src/backend.js'
import { decrypt, encrypt } from '../src/index.js'
import { contentKeys } from '../src/internal/derive.js'
import { runAsync } from '../src/internal/steps.js'
import { b64, backends, utf8, withBackend } from './helpers.js'
import vectors from './vectors/rfc8188.json' with { type: 'json' }

const [single, multi] = vectors.examples as [(typeof vectors.examples)[0], (typeof vectors.examples)[1]]

describe.each(backends)('RFC 8188 on the %s backend', (name) => {
  withBackend(name)
  const backend = backendByName(name)

  it('§3.1: PRK, CEK and NONCE', async () => {
    const salt = b64(single.salt as string)
    const ikm = b64(single.ikm)
    // PRK = HMAC-SHA-256(salt, IKM) (RFC 5869 §2.2)
    expect(await backend.hmacSha256(salt, ikm)).toEqual(b64(single.prk as string))
    const keys = await runAsync(contentKeys(backend, 'aes128gcm', salt, ikm))
    expect(keys.cek).toEqual(b64(single.cek as string))
    expect(keys.nonce).toEqual(b64(single.nonce as string))
  })

  it('§3.1: encrypts to the exact body and decrypts it', async () => {
    const body = await encrypt(single.plaintext_text, {
      key: single.ikm,
      salt: single.salt as string,
      recordSize: single.record_size,
    })
    expect(body).toEqual(b64(single.body))
    expect(await decrypt(b64(single.body), { key: b64(single.ikm) })).toEqual(utf8(single.plaintext_text))
  })

  it('§3.2: two records of size 25 with key id "a1" and one byte of padding, to the exact body', async () => {
    const expected = b64(multi.body)
    const salt = expected.subarray(0, 16)
    const body = await encrypt(utf8(multi.plaintext_text), {
      key: b64(multi.ikm),
      salt,
      recordSize: multi.record_size,
      keyId: multi.keyid_text,
      padding: 1,
    })
    expect(body).toEqual(expected)
  })

  it('§3.2: decrypts with keyLookup, which receives the key id "a1"', async () => {
    const seen: string[] = []
    const plaintext = await decrypt(b64(multi.body), {
      keyLookup: (keyId) => {
        seen.push(new TextDecoder().decode(keyId))
        return multi.ikm
      },
    })
    expect(seen).toEqual(['a1'])
    expect(new TextDecoder().decode(plaintext)).toBe(multi.plaintext_text)
  })
})
