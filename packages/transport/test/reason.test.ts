/**
 * A push service's answer is untrusted text: its reason must be read in time linear in a bounded
 * prefix of the body, and must never carry control characters, terminal escape sequences or bidi
 * overrides into `reason`, `PushServiceError.message` or a log line. Checked on `parseReason` itself
 * and end to end through real HTTP/1.1 and HTTP/2 servers on 127.0.0.1 that answer with raw bytes.
 */
import { createSecureServer, type Http2SecureServer, type ServerHttp2Stream } from 'node:http2'
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REASON_INPUT_LIMIT } from '../src/classify.js'
import { type PushServiceError, parseReason, parseRetryAfter } from '../src/index.node.js'
import { makeCert, rejection, transports } from './servers.js'

/**
 * The first character a clean reason never holds, as `U+XXXX`, or undefined: C0 controls (tab and
 * line breaks included: a reason is one line), DEL, C1 controls, bidi marks, embeddings, overrides
 * and isolates, invisible separators and format characters, tag characters and lone surrogates.
 */
function unclean(text: string): string | undefined {
  const hex = (c: number) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const point = text.codePointAt(i) as number
      if (point >= 0xe0000 && point <= 0xe007f) return hex(point)
      i++
      continue
    }
    if (
      (c & 0xf800) === 0xd800 ||
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x61c ||
      c === 0x200b ||
      c === 0x200e ||
      c === 0x200f ||
      (c >= 0x2028 && c <= 0x202e) ||
      (c >= 0x2060 && c <= 0x206f) ||
      c === 0xfeff ||
      (c >= 0xfff9 && c <= 0xfffb)
    )
      return hex(c)
  }
  return undefined
}

function expectClean(reason: string | undefined): void {
  if (reason === undefined) return
  expect(unclean(reason)).toBeUndefined()
  // A reason is cut at 300 characters and marked with an ellipsis.
  expect(reason.length).toBeLessThanOrEqual(301)
  expect(reason).toBe(reason.trim())
  expect(reason).not.toMatch(/ {2}/)
}

const KB = 1024
const ESC = '\u001b'

/** Bodies a hostile or broken service may send, each at least 64 KB unless noted. */
const adversarial: [string, string][] = [
  ['64 KB of <', '<'.repeat(64 * KB)],
  ['64 KB of <a (tags that never close)', '<a'.repeat(32 * KB)],
  ['<title> without an end', `<title>${'a'.repeat(64 * KB)}`],
  ['<title> without an end, then 64 KB of <', `<title>${'<'.repeat(64 * KB)}`],
  ['<title> repeated', '<title>'.repeat(10 * KB)],
  ['<title> and </title without >', `<title>x</title${' '.repeat(64 * KB)}`],
  ['<TiTlE> in any case, repeated', '<TiTlE x'.repeat(8 * KB)],
  ['deep JSON arrays', `{"a":${'['.repeat(64 * KB)}`],
  ['deep JSON objects', '{"a":'.repeat(13 * KB)],
  ['deep JSON that fits the prefix', `{"a":${'['.repeat(REASON_INPUT_LIMIT - 10)}`],
  ['a 1 MB JSON string', JSON.stringify({ message: 'x'.repeat(1024 * KB) })],
  ['a JSON string of 64 KB of escapes', JSON.stringify({ reason: '\u001b\u0000"\\'.repeat(16 * KB) })],
  ['64 KB of whitespace between two words', `a${' \t\r\n\u00a0\u2028'.repeat(11 * KB)}b`],
  ['64 KB of whitespace after a word', `a${' \t'.repeat(32 * KB)}`],
  ['64 KB of ESC [ (CSI that never ends)', `${ESC}[`.repeat(32 * KB)],
  ['an OSC that never ends', `x${ESC}]0;${'a'.repeat(64 * KB)}`],
  ['64 KB of C1 CSI', '\u009b'.repeat(64 * KB)],
  ['64 KB of NUL', '\u0000'.repeat(64 * KB)],
  ['64 KB of bidi overrides', '\u202e'.repeat(64 * KB)],
  ['64 KB of lone surrogates', '\ud800'.repeat(64 * KB)],
  ['64 KB of < and >', '<>'.repeat(32 * KB)],
  ['64 KB of <!-- without end', '<!--'.repeat(16 * KB)],
]

/** Runs `fn` `times` times and returns the milliseconds taken. */
function time(fn: () => unknown, times: number): number {
  const started = performance.now()
  for (let i = 0; i < times; i++) fn()
  return performance.now() - started
}

describe('parseReason on adversarial bodies', () => {
  // The quadratic tag stripping took about 7 s for one 64 KB body of "<"; the linear one takes well
  // under a millisecond on a 4 KB prefix. 20 calls in one second leaves a wide margin either way.
  it.each(adversarial)('%s: 20 calls finish within 1 s and the reason is clean', (_, body) => {
    let reason: string | undefined
    const ms = time(() => {
      reason = parseReason(400, {}, body)
    }, 20)
    expect(ms).toBeLessThan(1000)
    expectClean(reason)
  })

  it.each(adversarial)('%s in WNS headers: 20 calls finish within 1 s and the reason is clean', (_, value) => {
    const headers = {
      'x-wns-error-description': value,
      'x-wns-status': value,
      'x-wns-deviceconnectionstatus': value,
    }
    let reason: string | undefined
    const ms = time(() => {
      reason = parseReason(406, headers, value)
    }, 20)
    expect(ms).toBeLessThan(1000)
    expectClean(reason)
  })

  it('reads at most the first REASON_INPUT_LIMIT characters', () => {
    expect(REASON_INPUT_LIMIT).toBe(4096)
    // Past the limit a body is never read: its cost does not grow with its length.
    const small = 'a '.repeat(REASON_INPUT_LIMIT / 2)
    const large = small + 'a '.repeat(512 * KB)
    parseReason(400, {}, large) // warm up
    const a = time(() => parseReason(400, {}, small), 50)
    const b = time(() => parseReason(400, {}, large), 50)
    expect(b).toBeLessThan(Math.max(10 * a, 100))
    // Text past the limit never reaches the reason.
    expect(parseReason(400, {}, `${' '.repeat(REASON_INPUT_LIMIT)}secret`)).toBeUndefined()
    expect(parseReason(400, {}, `${'<p>'.repeat(REASON_INPUT_LIMIT / 2)}secret`)).not.toContain('secret')
  })

  it('reads a JSON body only when it fits in the limit, and falls back to its text otherwise', () => {
    const fits = JSON.stringify({ reason: 'BadJwtToken', pad: 'p'.repeat(REASON_INPUT_LIMIT - 50) })
    expect(fits.length).toBeLessThanOrEqual(REASON_INPUT_LIMIT)
    expect(parseReason(403, {}, fits)).toBe('BadJwtToken')
    const long = JSON.stringify({ pad: 'p'.repeat(REASON_INPUT_LIMIT), reason: 'BadJwtToken' })
    const reason = parseReason(403, {}, long) as string
    expect(reason.startsWith('{"pad":"ppp')).toBe(true)
    expect(reason.endsWith('…')).toBe(true)
    expect(reason).not.toContain('BadJwtToken')
  })

  it('never splits a surrogate pair at the limit or at the 300-character cut', () => {
    const emoji = '\u{1f600}'
    for (const pad of [0, 1]) {
      expectClean(parseReason(400, {}, `${'x'.repeat(pad)}${emoji.repeat(REASON_INPUT_LIMIT)}`))
      expectClean(parseReason(400, {}, `${'x'.repeat(pad)}${emoji.repeat(200)}`))
    }
    expect(parseReason(400, {}, `a${emoji}b`)).toBe(`a${emoji}b`)
  })
})

describe('parseReason strips what a terminal or a log would act on', () => {
  const cases: [string, string, string | undefined][] = [
    ['SGR colours', `Bad ${ESC}[31mred${ESC}[0m token`, 'Bad red token'],
    ['a screen clear and cursor moves', `${ESC}[2J${ESC}[H${ESC}[10;20fBad token`, 'Bad token'],
    ['CSI with intermediates', `a${ESC}[1 qb`, 'ab'],
    ['an OSC title, ended by BEL', `${ESC}]0;pwned${'\u0007'}Bad token`, 'Bad token'],
    [
      'an OSC 8 hyperlink, ended by ST',
      `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\ here`,
      'click here',
    ],
    ['a DCS string', `a${ESC}Pq#0;2;0;0;0${ESC}\\b`, 'ab'],
    ['an APC string ended by C1 ST', `a${ESC}_payload\u009cb`, 'ab'],
    ['two-character escapes', `a${ESC}cb${ESC}7c${ESC}(Bd`, 'abcd'],
    ['a lone ESC at the end', `abc${ESC}`, 'abc'],
    ['C1 CSI', 'Bad \u009b31mred\u009b0m token', 'Bad red token'],
    ['C1 OSC', 'a\u009d0;title\u0007b', 'ab'],
    ['C1 DCS', 'a\u0090q#0\u009cb', 'ab'],
    ['other C1 controls', 'a\u0080\u0084\u008d\u0091\u0092b', 'ab'],
    ['C0 controls', 'a\u0000b\u0001c\u0007d\u0008e\u007ff', 'abcdef'],
    [
      'a forged log line',
      'Bad token\r\n2030-01-01T00:00:00Z INFO login ok user=admin',
      'Bad token 2030-01-01T00:00:00Z INFO login ok user=admin',
    ],
    ['Unicode line separators', 'a\u2028b\u2029c\u0085d', 'a b c d'],
    ['bidi overrides', 'invoice \u202egpj.exe\u202c done', 'invoice gpj.exe done'],
    ['bidi isolates and marks', 'a\u2066b\u2067c\u2068d\u2069e\u200ef\u200fg\u061ch', 'abcdefgh'],
    ['zero-width and BOM', 'a\u200bb\u2060c\ufeffd', 'abcd'],
    ['tag characters', `a${String.fromCodePoint(0xe0041, 0xe0042)}b`, 'ab'],
    ['lone surrogates', 'a\ud800b\udc00c', 'a\ufffdb\ufffdc'],
    ['only controls', `${ESC}[31m\u0000\u202e`, undefined],
    ['HTML tags and whitespace', '<html><body><h1>Invalid \t\n request</h1></body></html>', 'Invalid request'],
    ['a < that starts no tag', 'x < 5 and y > 2', 'x < 5 and y > 2'],
    ['an escape inside the title', `<title>Bad${ESC}[31m token</title>`, 'Bad token'],
    ['a title with attributes and tags', '<TITLE lang="en">Bad <b>token</b></TITLE>', 'Bad token'],
    ['an empty title', '<title> </title><p>Bad token</p>', 'Bad token'],
  ]
  it.each(cases)('%s', (_, body, reason) => {
    expect(parseReason(400, {}, body)).toBe(reason)
    // The same text as a JSON reason, as a Mozilla message, as an FCM error and as WNS headers.
    if (body.includes('<')) return
    expect(parseReason(400, {}, JSON.stringify({ reason: body }))).toBe(reason)
    expect(parseReason(400, {}, JSON.stringify({ message: body, errno: 1 }))).toBe(
      reason === undefined ? ' (errno 1)'.trim() : `${reason} (errno 1)`,
    )
    expect(parseReason(400, {}, JSON.stringify({ error: { message: body } }))).toBe(reason)
    expect(parseReason(406, { 'x-wns-error-description': body }, '')).toBe(reason)
  })

  it('keeps an escape in one WNS header from eating the next', () => {
    const headers = {
      'x-wns-error-description': `Throttled${ESC}[`,
      'x-wns-status': `channelthrottled${ESC}]0;`,
      'x-wns-deviceconnectionstatus': 'connected',
    }
    expect(parseReason(406, headers, '')).toBe('Throttled; status channelthrottled; device connected')
  })

  it('cleans random mixtures of text, escapes and controls (2000 bodies)', () => {
    const alphabet = ['a', 'B', ' ', '<', '>', '/', '[', ']', ';', '0', '\\', ESC, '\u0007', '\u009b', '\u009c']
    alphabet.push('\u009d', '\u202e', '\u2066', '\r', '\n', '\t', '\ud83d', '\ude00', '\u0000', 'é', 'title', '{', '"')
    let seed = 1
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    for (let n = 0; n < 2000; n++) {
      let body = ''
      const length = Math.floor(random() * 80)
      for (let i = 0; i < length; i++) body += alphabet[Math.floor(random() * alphabet.length)]
      expectClean(parseReason(400, {}, body))
      expectClean(parseReason(406, { 'x-wns-status': body }, ''))
    }
  })
})

describe('parseRetryAfter on adversarial values', () => {
  const values = [
    '1'.repeat(64 * KB),
    `${'1'.repeat(64 * KB)}x`,
    `${' '.repeat(64 * KB)}1x`,
    `Mon${' '.repeat(64 * KB)}`,
    `Mon, ${'0'.repeat(64 * KB)} Jan 2030`,
    `${'Mon'.repeat(20 * KB)}`,
  ]
  it.each(values.map((v, i) => [i, v]))('value %i: 20 calls finish within 1 s', (_, value) => {
    expect(time(() => parseRetryAfter(value as string), 20)).toBeLessThan(1000)
  })
})

/** One answer a raw server writes: status line, headers and body as bytes. */
interface Answer {
  status: number
  /** Header lines as Latin-1 text (any byte). */
  headers: [string, string][]
  body: string
}

/** An HTTP/1.1 server on a raw socket: writes any byte in a header value, then closes. */
async function startRawServer(): Promise<{ url: string; answer: Answer; requests: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const state = {
    url: '',
    answer: { status: 400, headers: [], body: '' } as Answer,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const end = buffered.indexOf('\r\n\r\n')
      if (end < 0) return
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered.subarray(0, end).toString('latin1'))?.[1] ?? 0)
      if (buffered.length < end + 4 + length) return
      buffered = Buffer.alloc(0)
      state.requests++
      const { status, headers, body } = state.answer
      const bytes = Buffer.from(body, 'utf8')
      let head = `HTTP/1.1 ${status} Whatever\r\ncontent-length: ${bytes.length}\r\nconnection: close\r\n`
      for (const [name, value] of headers) head += `${name}: ${value}\r\n`
      socket.end(Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), bytes]))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push/abc`
  return state
}

/** An HTTP/2 server that answers every stream with the current answer. */
async function startH2Server(): Promise<{ url: string; answer: Answer; requests: number; close(): Promise<void> }> {
  const sessions = new Set<{ destroy(): void }>()
  const state = {
    url: '',
    answer: { status: 400, headers: [], body: '' } as Answer,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const session of sessions) session.destroy()
      }),
  }
  const server: Http2SecureServer = createSecureServer(makeCert())
  server.on('session', (session) => {
    sessions.add(session)
    session.on('close', () => sessions.delete(session))
  })
  server.on('stream', (stream: ServerHttp2Stream) => {
    stream.resume()
    stream.on('end', () => {
      state.requests++
      const { status, headers, body } = state.answer
      stream.respond({ ':status': status, ...Object.fromEntries(headers) })
      stream.end(Buffer.from(body, 'utf8'))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/push/abc`
  return state
}

describe.each([
  ['HTTP/1.1', startRawServer, {}],
  ['HTTP/2', startH2Server, { http2: true }],
] as const)('reasons end to end over %s', (_, start, options) => {
  let server: Awaited<ReturnType<typeof startRawServer>>
  const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 10_000, ...options })
  beforeAll(async () => {
    server = await start()
  })
  afterAll(async () => {
    await closeAll()
    await server.close()
  })
  const send = (retry: { retries: number; baseDelayMs: number } | false) =>
    rejection(
      make({ retry, ca: makeCert().cert }).send({
        endpoint: server.url,
        headers: { TTL: '60' },
        body: new Uint8Array(3),
      }),
    ) as unknown as Promise<PushServiceError & Error>

  it('a 400 with 64 KB of < is classified within 2 s', async () => {
    server.answer = { status: 400, headers: [['content-type', 'text/html']], body: '<'.repeat(64 * KB) }
    server.requests = 0
    const started = performance.now()
    const error = await send(false)
    const ms = performance.now() - started
    expect(error.outcome).toBe('bad-request')
    expect(error.response.body).toHaveLength(64 * KB)
    expectClean(error.reason)
    expect(ms).toBeLessThan(2000)
    expect(server.requests).toBe(1)
  })

  it('a 503 with 64 KB of < and two retries is classified within 3 s', async () => {
    server.answer = { status: 503, headers: [], body: '<'.repeat(64 * KB) }
    server.requests = 0
    const started = performance.now()
    const error = await send({ retries: 2, baseDelayMs: 1 })
    const ms = performance.now() - started
    expect(error.outcome).toBe('server-error')
    expect(error.response.attempts).toBe(3)
    expect(server.requests).toBe(3)
    expect(ms).toBeLessThan(3000)
  })

  it('keeps ANSI escapes, bidi overrides and line breaks out of the reason and the message', async () => {
    server.answer = {
      status: 400,
      headers: [['content-type', 'text/plain']],
      body: `Bad ${ESC}[31mtoken${ESC}[0m${ESC}]0;pwned\u0007 \u202eevil\u202c\r\n2030-01-01 INFO forged`,
    }
    const error = await send(false)
    expect(error.reason).toBe('Bad token evil 2030-01-01 INFO forged')
    expect(error.message).toBe(
      `push service ${new URL(server.url).origin} answered 400 (bad-request): Bad token evil 2030-01-01 INFO forged`,
    )
    expect(unclean(error.message)).toBeUndefined()
  })

  it('keeps escapes out of a JSON reason', async () => {
    server.answer = {
      status: 403,
      headers: [['content-type', 'application/json']],
      body: JSON.stringify({ reason: `BadJwt${ESC}[2J${ESC}[HToken\n` }),
    }
    const error = await send(false)
    expect(error.reason).toBe('BadJwtToken')
    expect(unclean(error.message)).toBeUndefined()
  })

  it('keeps C1 controls from WNS header bytes out of the reason', async () => {
    // Bytes 0x80-0xFF are obs-text (RFC 9110 §5.5): parsers let them through and they arrive as
    // Latin-1, where 0x9B is CSI and 0x9D OSC.
    server.answer = {
      status: 406,
      headers: [
        ['x-wns-status', 'channelthrottled\u009b2J'],
        ['x-wns-error-description', 'The channel\u009d0;x\u009c is throttled\u0085'],
        ['x-wns-deviceconnectionstatus', '\u00a0connected\u00a0'],
      ],
      body: '',
    }
    const error = await send(false)
    expect(error.outcome).toBe('rate-limited')
    expect(error.reason).toBe('The channel is throttled; status channelthrottled; device connected')
    expect(unclean(error.message)).toBeUndefined()
  })
})
