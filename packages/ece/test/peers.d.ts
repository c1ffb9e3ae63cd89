/**
 * Types for the two independent implementations the differential tests run against (CommonJS
 * packages without their own declarations): only the parts the tests use.
 */

declare module 'http_ece' {
  import type { ECDH } from 'node:crypto'

  /** http_ece 1.2.1 parameters (see its ece.js): an explicit `key`, or `privateKey` + `dh` for Web Push. */
  interface EceParams {
    version?: 'aes128gcm' | 'aesgcm'
    key?: Buffer
    keyid?: Buffer | string
    salt?: Buffer | string
    rs?: number
    pad?: number
    privateKey?: ECDH
    dh?: Buffer | string
    authSecret?: Buffer | string
    keylabel?: string
  }

  const ece: {
    encrypt(buffer: Buffer, params: EceParams, keyLookup?: (keyId: Buffer) => Buffer): Buffer
    decrypt(buffer: Buffer, params: EceParams, keyLookup?: (keyId: Buffer) => Buffer): Buffer
  }
  export default ece
}

declare module 'web-push' {
  interface PushSubscription {
    endpoint: string
    keys: { p256dh: string; auth: string }
  }
  interface RequestDetails {
    method: string
    headers: Record<string, string | number>
    body: Buffer | null
    endpoint: string
  }

  const webpush: {
    /** web-push 3.6.7: `userPublicKey` and `userAuth` are base64url strings. */
    encrypt(
      userPublicKey: string,
      userAuth: string,
      payload: Buffer | string,
      contentEncoding: 'aes128gcm' | 'aesgcm',
    ): { localPublicKey: Buffer; salt: string; cipherText: Buffer }
    generateVAPIDKeys(): { publicKey: string; privateKey: string }
    generateRequestDetails(
      subscription: PushSubscription,
      payload: Buffer | string,
      options: {
        contentEncoding?: 'aes128gcm' | 'aesgcm'
        vapidDetails?: { subject: string; publicKey: string; privateKey: string }
      },
    ): RequestDetails
  }
  export default webpush
}
