/**
 * The notification frame of Mozilla's WebSocket push protocol, as Firefox's PushServiceWebSocket
 * reads it: `{ messageType: 'notification', channelID, version, data, headers }`.
 */
import { base64urlEncode } from '@wp/ece/utils'
import type { Message } from './store.js'

/**
 * An `Encryption`/`Crypto-Key` value as autopush hands it on: parameters unquoted, without base64
 * padding, joined with `;` (Firefox refuses quoted or padded ones).
 */
function normaliseCryptoHeader(value: string): string {
  return value
    .split(',')
    .map((entry) =>
      entry
        .split(';')
        .map((param) => {
          const eq = param.indexOf('=')
          if (eq < 0) return param.trim()
          const name = param.slice(0, eq).trim()
          const v = param
            .slice(eq + 1)
            .trim()
            .replace(/"/g, '')
            .replace(/=+$/, '')
          return `${name}=${v}`
        })
        .join(';'),
    )
    .join(',')
}

/**
 * The frame that carries `message` to `channelID`. A body goes in base64url (Firefox drops standard
 * base64 without an ack) and never without `headers` (without them Firefox acks 100 and hands the
 * service worker `data === null`): `{ encoding }`, plus for aesgcm the `encryption` and `crypto_key`
 * parameters under those lowercase, underscored names (the HTTP spelling `crypto-key` fails with 101).
 * A push without a body has neither `data` nor `headers`.
 */
export function notificationFrame(channelID: string, message: Message): Record<string, unknown> {
  const frame: Record<string, unknown> = { messageType: 'notification', channelID, version: message.id }
  if (message.body !== undefined) {
    frame.data = base64urlEncode(message.body)
    const headers: Record<string, string> = { encoding: message.encoding as string }
    if (message.encoding === 'aesgcm') {
      if (message.headers.encryption) headers.encryption = normaliseCryptoHeader(message.headers.encryption)
      if (message.headers['crypto-key']) headers.crypto_key = normaliseCryptoHeader(message.headers['crypto-key'])
    }
    frame.headers = headers
  }
  return frame
}
