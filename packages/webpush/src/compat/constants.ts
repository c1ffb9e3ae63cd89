/** The constants `web-push` 3.6.7 exports, same names and values. */

/** The two content encodings: `aes128gcm` (RFC 8291, the default) and the older draft `aesgcm`. */
export const supportedContentEncodings: Readonly<{ AES_GCM: 'aesgcm'; AES_128_GCM: 'aes128gcm' }> = Object.freeze({
  AES_GCM: 'aesgcm',
  AES_128_GCM: 'aes128gcm',
} as const)

/** The `Urgency` values of RFC 8030 §5.3. */
export const supportedUrgency: Readonly<{ VERY_LOW: 'very-low'; LOW: 'low'; NORMAL: 'normal'; HIGH: 'high' }> =
  Object.freeze({
    VERY_LOW: 'very-low',
    LOW: 'low',
    NORMAL: 'normal',
    HIGH: 'high',
  } as const)

/** web-push's default `TTL`: four weeks, in seconds (RFC 8030 §5.2). */
export const DEFAULT_TTL: number = 2419200
