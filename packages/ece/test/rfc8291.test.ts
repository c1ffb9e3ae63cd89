/** RFC 8291 Appendix A: every intermediate value and the final body, byte for byte, on every backend. */
import { describe, expect, it } from 'vitest'
import { backendByName } from '../src/backend.js'
import { concatBytes } from '../src/bytes.js'
import { decryptWebPush, encryptWebPush } from '../src/index.js'
import { contentKeys, webPushIkm, webPushKeyInfo } from '../src/internal/derive.js'
import { runAsync } from '../src/internal/steps.js'
import { b64, backends, utf8, withBackend } from './helpers.js'
import v from './vectors/rfc8291.json' with { type: 'json' }

describe.each(backends)('RFC 8291 Appendix A on the %s backend', (name) => {
  withBackend(name)
  const backend = backendByName(name)
  const ua = b64(v.ua_public)
  const as = b64(v.as_public)

  it('ECDH gives the same secret from both sides', async () => {
    expect(await backend.ecdh({ privateKey: b64(v.as_private), publicKey: as }, ua)).toEqual(b64(v.ecdh_secret))
    expect(await backend.ecdh({ privateKey: b64(v.ua_private), publicKey: ua }, as)).toEqual(b64(v.ecdh_secret))
  })

  it('PRK_key, key_info and IKM (§3.3, §3.4)', async () => {
    const auth = b64(v.auth_secret)
    const secret = b64(v.ecdh_secret)
    const prkKey = await backend.hmacSha256(auth, secret)
    expect(prkKey).toEqual(b64(v.prk_key))
    const keyInfo = webPushKeyInfo(ua, as)
    expect(keyInfo).toEqual(b64(v.key_info))
    // IKM = HMAC-SHA-256(PRK_key, key_info || 0x01)
    expect(await backend.hmacSha256(prkKey, concatBytes(keyInfo, Uint8Array.of(1)))).toEqual(b64(v.ikm))
    expect(await runAsync(webPushIkm(backend, 'aes128gcm', auth, secret, ua, as))).toEqual(b64(v.ikm))
  })

  it('PRK, CEK and NONCE with their infos (RFC 8188 §2.2, §2.3)', async () => {
    const salt = b64(v.salt)
    const ikm = b64(v.ikm)
    expect(await backend.hmacSha256(salt, ikm)).toEqual(b64(v.prk))
    expect(utf8('Content-Encoding: aes128gcm\0')).toEqual(b64(v.cek_info))
    expect(utf8('Content-Encoding: nonce\0')).toEqual(b64(v.nonce_info))
    const keys = await runAsync(contentKeys(backend, 'aes128gcm', salt, ikm))
    expect(keys.cek).toEqual(b64(v.cek))
    expect(keys.nonce).toEqual(b64(v.nonce))
  })

  it('encrypts to the exact header and body', async () => {
    const pushed = await encryptWebPush(
      b64(v.plaintext),
      { p256dh: v.ua_public, auth: v.auth_secret },
      { salt: v.salt, senderKeys: { privateKey: v.as_private, publicKey: v.as_public } },
    )
    expect(pushed.body.subarray(0, b64(v.header).length)).toEqual(b64(v.header))
    expect(pushed.body).toEqual(b64(v.body))
    expect(pushed.encoding).toBe('aes128gcm')
    expect(pushed.headers).toEqual({})
    expect(pushed.salt).toEqual(b64(v.salt))
    expect(pushed.senderPublicKey).toEqual(as)
  })

  it('decrypts the body as the user agent', async () => {
    const plaintext = await decryptWebPush(b64(v.body), {
      privateKey: v.ua_private,
      publicKey: v.ua_public,
      auth: v.auth_secret,
    })
    expect(new TextDecoder().decode(plaintext)).toBe(v.plaintext_text)
  })
})
