/**
 * Requests every transport refuses with ERR_WP_INVALID_ARGUMENT before any I/O, and `toCurl` refuses
 * too: shared by the transport tests and the curl tests.
 */

/** Each bad request, named, aimed at `url` where it has an endpoint. */
export const badRequests = (url: string): [string, unknown][] => [
  ['no request', undefined],
  ['null', null],
  ['a string', url],
  ['no endpoint', { headers: {} }],
  ['an endpoint that is not a string', { endpoint: new URL(url), headers: {} }],
  ['an endpoint that is not a URL', { endpoint: 'not a url', headers: {} }],
  ['a relative endpoint', { endpoint: '/push/abc', headers: {} }],
  ['an ftp: endpoint', { endpoint: url.replace(/^https?:/, 'ftp:'), headers: {} }],
  ['a ws: endpoint', { endpoint: url.replace(/^https?:/, 'ws:'), headers: {} }],
  ['a file: endpoint', { endpoint: 'file:///etc/passwd', headers: {} }],
  ['credentials in the endpoint', { endpoint: url.replace('://', '://user:pass@'), headers: {} }],
  // A host that is no DNS name: WHATWG URL takes it, curl would glob it into several hosts.
  ['a host with curl glob braces', { endpoint: url.replace('127.0.0.1', '{127.0.0.1,127.0.0.1}'), headers: {} }],
  ['a host with a star', { endpoint: url.replace('127.0.0.1', 'push*.example'), headers: {} }],
  ['headers that are not an object', { endpoint: url, headers: 'TTL: 60' }],
  ['headers null', { endpoint: url, headers: null }],
  ['a CR LF in a header value', { endpoint: url, headers: { TTL: '60\r\nX-Injected: 1' } }],
  ['a LF in a header value', { endpoint: url, headers: { TTL: '60\nX: 1' } }],
  ['a CR in a header value', { endpoint: url, headers: { TTL: '60\r' } }],
  ['a NUL in a header value', { endpoint: url, headers: { TTL: '6\u00000' } }],
  ['a control character in a header value', { endpoint: url, headers: { Topic: 'a\u0001b' } }],
  ['DEL in a header value', { endpoint: url, headers: { Topic: 'a\u007fb' } }],
  ['a character above Latin-1 in a header value', { endpoint: url, headers: { Topic: 'caf\u20ac' } }],
  ['a CR LF in a header name', { endpoint: url, headers: { 'TTL\r\nX': '60' } }],
  ['a space in a header name', { endpoint: url, headers: { 'Bad Name': '1' } }],
  ['a colon in a header name', { endpoint: url, headers: { 'Bad:Name': '1' } }],
  ['an empty header name', { endpoint: url, headers: { '': '1' } }],
  [
    'a header name that starts with @ (curl reads headers from that file)',
    { endpoint: url, headers: { '@/etc/hostname': '1' } },
  ],
  ['a pseudo-header', { endpoint: url, headers: { ':path': '/x' } }],
  ['duplicate header names in different case', { endpoint: url, headers: { TTL: '60', ttl: '60' } }],
  [
    'duplicate Content-Encoding in different case',
    { endpoint: url, headers: { 'Content-Encoding': 'aes128gcm', 'content-encoding': 'aesgcm' } },
  ],
  ['a header value that is an object', { endpoint: url, headers: { TTL: { toString: () => '60' } } }],
  ['a header value that is an array', { endpoint: url, headers: { TTL: ['60'] } }],
  ['a header value that is true', { endpoint: url, headers: { Urgency: true } }],
  ['Transfer-Encoding', { endpoint: url, headers: { 'Transfer-Encoding': 'chunked' } }],
  ['Connection', { endpoint: url, headers: { Connection: 'close' } }],
  ['Expect', { endpoint: url, headers: { Expect: '100-continue' } }],
  ['Upgrade', { endpoint: url, headers: { Upgrade: 'h2c' } }],
  [
    'a Content-Length that is not the body length',
    { endpoint: url, headers: { 'Content-Length': '4' }, body: new Uint8Array(3) },
  ],
  ['a body that is a string', { endpoint: url, headers: {}, body: 'hello' }],
  ['a body that is an array', { endpoint: url, headers: {}, body: [1, 2, 3] }],
  ['a body that is an ArrayBuffer', { endpoint: url, headers: {}, body: new ArrayBuffer(3) }],
  ['a body that is a DataView', { endpoint: url, headers: {}, body: new DataView(new ArrayBuffer(3)) }],
  ['a body that is a Uint16Array', { endpoint: url, headers: {}, body: new Uint16Array(3) }],
  ['a body that is null', { endpoint: url, headers: {}, body: null }],
]
