// web-push 3.6.7 ships no types; only what the interop tests call.
declare module 'web-push' {
  interface WebPush {
    generateVAPIDKeys(): { publicKey: string; privateKey: string }
    getVapidHeaders(
      audience: string,
      subject: string,
      publicKey: string,
      privateKey: string,
      contentEncoding?: 'aes128gcm' | 'aesgcm',
      expiration?: number,
    ): Record<string, string>
  }
  const webpush: WebPush
  export default webpush
}
