/**
 * The user agent side: Mozilla's WebSocket push protocol as Firefox's PushServiceWebSocket speaks it
 * (`hello`, `register`, `unregister`, `ack`, `nack`, ping) on top of the store. Who may open a
 * WebSocket is decided in `websocket.ts`, what a frame may hold in `frames.ts`; here are the handlers
 * and the binding of each uaid to one connection.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebPushError } from '@wp/ece/utils'
import { type RawData, type WebSocket, WebSocketServer } from 'ws'
import type { AckLog } from './acks.js'
import { Connection } from './connection.js'
import { type AckUpdate, type ClientFrame, parseClientFrame } from './frames.js'
import type { Limits } from './limits.js'
import { newId, type Store } from './store.js'
import { AgentChannel, UserAgent } from './user-agent.js'
import { isUserAgentOrigin, probe, refuseUpgrade } from './websocket.js'

/** The uaids this service hands out (autopush's: a UUID without hyphens). */
const UAID = /^[0-9a-f]{32}$/i
/** How long the connection holding a uaid has to answer a ping when a new hello asks for that uaid. */
const UAID_PROBE_MS = 2000

/** The WebSocket connections, the user agents (uaids) and their channels. */
export class MozillaProtocol {
  readonly #store: Store
  readonly #acks: AckLog
  readonly #limits: Limits
  readonly #endpointOf: (channelId: string) => string
  readonly #wss: WebSocketServer
  readonly #agents = new Map<string, UserAgent>()
  readonly #connections = new Set<Connection>()
  /** WebSocket channels over every uaid. */
  #channels = 0

  /** @param endpointOf the push endpoint of a channel id */
  constructor(store: Store, acks: AckLog, limits: Limits, endpointOf: (channelId: string) => string) {
    this.#store = store
    this.#acks = acks
    this.#limits = limits
    this.#endpointOf = endpointOf
    this.#wss = new WebSocketServer({
      noServer: true,
      // ws reads a frame's length first and closes with 1009 before reading a byte past this.
      maxPayload: limits.maxFrameBytes,
      handleProtocols: (protocols) => (protocols.has('push-notification') ? 'push-notification' : false),
    })
  }

  /** Takes an HTTP upgrade: a user agent's is accepted, a page's refused with 403, one past `maxWebSockets` with 503. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node hands the socket over without an error listener: a reset during a refusal must not throw.
    socket.on('error', () => socket.destroy())
    // Any page can reach this port; none may act as a user agent. RFC 6455 §4.1 and §10.2: a browser sends
    // the page's origin with every WebSocket a page opens (http:, https:, or "null").
    if (!isUserAgentOrigin(req.headers.origin)) refuseUpgrade(socket, 403, 'Forbidden')
    else if (this.#connections.size >= this.#limits.maxWebSockets) refuseUpgrade(socket, 503, 'Service Unavailable')
    else this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onWebSocket(ws))
  }

  /** Cuts every connection. */
  close(): void {
    for (const connection of this.#connections) {
      connection.stopHelloTimer()
      connection.ws.terminate()
    }
    this.#wss.close()
  }

  #onWebSocket(ws: WebSocket): void {
    const connection = new Connection(ws, this.#limits)
    this.#connections.add(connection)
    // On a frame it cannot take (too big 1009, not UTF-8 1007, unmasked 1002) ws closes the socket and
    // emits 'error': with no listener, that error would be thrown out of the socket's data handler.
    ws.on('error', () => {})
    ws.on('message', (data, isBinary) => this.#guard(connection, () => this.#onFrame(connection, data, isBinary)))
    ws.on('close', () => this.#guard(connection, () => this.#onClose(connection)))
  }

  /** Runs a handler of one connection: anything it throws closes that connection (1011) and goes no further. */
  #guard(connection: Connection, handler: () => void): void {
    try {
      handler()
    } catch {
      connection.shut(1011, 'internal error')
    }
  }

  #onFrame(connection: Connection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      connection.shut(1003, 'binary frames are not part of the protocol')
      return
    }
    let frame: ClientFrame
    try {
      frame = parseClientFrame(String(data))
    } catch (error) {
      connection.shut(1002, WebPushError.is(error) ? error.message : 'not a frame of the protocol')
      return
    }
    const agent = connection.agent
    if (frame.messageType === 'hello') {
      if (connection.state === 'new') this.#onHello(connection, frame.uaid)
      else connection.shut(1002, 'hello was already said')
    } else if (connection.state !== 'ready' || agent === undefined) {
      // Nothing but hello until the hello reply (autopush refuses it too).
      connection.shut(4002, 'hello first')
    } else if (frame.messageType === 'ping') {
      connection.reply({})
    } else if (frame.messageType === 'register') {
      this.#onRegister(connection, agent, frame.channelID, frame.key)
    } else if (frame.messageType === 'unregister') {
      this.#onUnregister(connection, agent, frame.channelID)
    } else if (frame.messageType === 'ack') {
      this.#onAck(agent, frame.updates)
    } else if (frame.messageType === 'nack') {
      this.#acks.record({ id: frame.version, code: frame.code ?? 0, type: 'nack', channelID: frame.channelID ?? '' })
    }
    // broadcast_subscribe: there are no broadcasts here.
  }

  #onHello(connection: Connection, asked: string | undefined): void {
    connection.stopHelloTimer()
    connection.state = 'hello'
    // Keep the uaid Firefox knows: answering another one makes it drop every subscription.
    const uaid = asked !== undefined && UAID.test(asked) ? asked : undefined
    const holder = uaid === undefined ? undefined : this.#agents.get(uaid)?.connection
    if (uaid === undefined || holder === undefined) {
      this.#bind(connection, uaid ?? newId())
      return
    }
    // The uaid is bound to an open connection. If that one still answers, this is someone else with its
    // uaid: they get a fresh one (Firefox drops its registrations on seeing one, which is right for an
    // impostor). If it does not, it is a dead connection Firefox left behind, and Firefox gets its uaid back.
    probe(holder.ws, UAID_PROBE_MS).then((alive) =>
      this.#guard(connection, () => {
        if (connection.state !== 'hello') return // closed meanwhile
        if (!alive && this.#agents.get(uaid)?.connection === holder) {
          holder.ws.terminate()
          this.#onClose(holder)
        }
        this.#bind(connection, this.#agents.get(uaid)?.connection === undefined ? uaid : newId())
      }),
    )
  }

  /** Binds a connection to a uaid until it closes, answers its hello, and sends what waits for it. */
  #bind(connection: Connection, uaid: string): void {
    let agent = this.#agents.get(uaid)
    if (agent === undefined) {
      agent = new UserAgent(uaid)
      this.#agents.set(uaid, agent)
    }
    agent.connection = connection
    connection.agent = agent
    connection.state = 'ready'
    connection.reply({ messageType: 'hello', uaid, status: 200, use_webpush: true, broadcasts: {} })
    for (const channel of agent.channels.values()) {
      this.#store.unsend(channel) // unacked messages go out again
      this.#store.flush(channel)
    }
  }

  #onRegister(connection: Connection, agent: UserAgent, channelID: string, key: string | undefined): void {
    let channel = agent.channels.get(channelID)
    if (channel === undefined) {
      const limits = this.#limits
      if (agent.channels.size >= limits.maxChannelsPerUaid || this.#channels >= limits.maxChannels) {
        connection.reply({ messageType: 'register', channelID, status: 429 })
        return
      }
      try {
        channel = this.#store.open(key, () => new AgentChannel(agent, channelID), agent)
      } catch {
        connection.reply({ messageType: 'register', channelID, status: 400 })
        return
      }
      agent.channels.set(channelID, channel)
      this.#channels++
    }
    connection.reply({ messageType: 'register', channelID, status: 200, pushEndpoint: this.#endpointOf(channel.id) })
  }

  /** Unsubscribes a channel of this uaid (one of another uaid is not reachable): its endpoint answers 410. */
  #onUnregister(connection: Connection, agent: UserAgent, channelID: string): void {
    const channel = agent.channels.get(channelID)
    if (channel !== undefined) {
      agent.channels.delete(channelID)
      this.#channels--
      this.#store.retire(channel)
      this.#forgetIfIdle(agent)
    }
    connection.reply({ messageType: 'unregister', channelID, status: 200 })
  }

  #onAck(agent: UserAgent, updates: AckUpdate[]): void {
    for (const update of updates) {
      const channel = agent.channels.get(update.channelID)
      if (channel !== undefined) this.#store.settle(channel, update.version)
      this.#acks.record({ id: update.version, code: update.code ?? 100, type: 'ack', channelID: update.channelID })
    }
  }

  #onClose(connection: Connection): void {
    if (connection.state === 'closed') return
    connection.state = 'closed'
    connection.stopHelloTimer()
    this.#connections.delete(connection)
    const agent = connection.agent
    if (agent === undefined || agent.connection !== connection) return
    agent.connection = undefined
    // What it was sent and did not ack goes out again when Firefox reconnects.
    for (const channel of agent.channels.values()) this.#store.unsend(channel)
    this.#forgetIfIdle(agent)
  }

  /** A uaid with neither channels nor a connection is forgotten: a hello leaves nothing behind. */
  #forgetIfIdle(agent: UserAgent): void {
    if (agent.channels.size === 0 && agent.connection === undefined) this.#agents.delete(agent.uaid)
  }
}
