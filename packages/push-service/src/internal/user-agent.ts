/**
 * A user agent on the WebSocket: a uaid, its channels (by Firefox's channelID), and the one
 * connection bound to it while there is one. Each of its channels is the {@link Receiver} of a
 * store channel, and the uaid is their shared {@link Quota} (`maxPendingPerUaid`).
 */
import type { Connection } from './connection.js'
import { notificationFrame } from './notification.js'
import type { Channel, Message, Quota, Receiver } from './store.js'

/** A uaid and what it holds. */
export class UserAgent implements Quota {
  readonly uaid: string
  /** Its channels, by Firefox's channelID. */
  readonly channels: Map<string, Channel> = new Map()
  pending = 0
  connection: Connection | undefined = undefined

  constructor(uaid: string) {
    this.uaid = uaid
  }
}

/** One channel of a user agent: online while the uaid's connection is open; Firefox acks what it gets. */
export class AgentChannel implements Receiver {
  readonly agent: UserAgent
  /** Firefox's id for the channel (a UUID). */
  readonly channelID: string
  readonly held: number = 0

  constructor(agent: UserAgent, channelID: string) {
    this.agent = agent
    this.channelID = channelID
  }

  get online(): boolean {
    return this.agent.connection?.open === true
  }

  /** Sends the notification frame; the message stays in the store until Firefox acks it. */
  deliver(message: Message): boolean {
    this.agent.connection?.notify(notificationFrame(this.channelID, message))
    return true
  }
}
