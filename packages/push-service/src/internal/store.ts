/**
 * What the service holds between senders and receivers: the subscriptions (channels), the messages
 * waiting on them, and the endpoints recently unsubscribed. It applies RFC 8030's storage rules (TTL,
 * §5.2; replacement by Topic, §5.4) and the `maxPending*`/`maxGone` limits, and hands each message
 * to its channel's {@link Receiver} without knowing what kind of receiver that is.
 */
import { randomUUID } from 'node:crypto'
import type { ContentEncoding } from '@wp/ece'
import { base64urlDecode, WebPushError } from '@wp/ece/utils'
import type { VapidClaims } from '@wp/vapid'
import type { Limits } from './limits.js'

/** A fresh id: a random UUID without hyphens (autopush's form for uaids and message ids). */
export const newId = (): string => randomUUID().replace(/-/g, '')

/** A message accepted for a channel. */
export interface Message {
  readonly id: string
  readonly channel: Channel
  readonly body: Uint8Array | undefined
  readonly encoding: ContentEncoding | undefined
  /** The request's headers, names in lowercase. */
  readonly headers: Record<string, string>
  readonly claims: VapidClaims | undefined
  readonly topic: string | undefined
  readonly urgency: string
  /** When its TTL runs out (ms since the epoch). */
  readonly expiresAt: number
  /** Handed to a receiver that acknowledges, and not acknowledged yet. */
  sent: boolean
}

/**
 * Who takes a channel's messages: a test subscriber, or a channel of a user agent on the WebSocket.
 * The store asks only these three things of it.
 */
export interface Receiver {
  /** Whether it takes messages now; while it does not, they wait until their TTL runs out. */
  readonly online: boolean
  /** Messages it took and still holds (a test subscriber's, until `next()`): they count against `maxPendingPerChannel`. */
  readonly held: number
  /**
   * Takes one message. Returns true when the receiver acknowledges it later (Mozilla's `ack`): the
   * store keeps it, marked sent and counted, until {@link Store.settle}. False when taking it ends
   * the store's part.
   */
  deliver(message: Message): boolean
}

/** Channels whose messages are bounded together by `maxPendingPerUaid` (a uaid's); the store keeps `pending`. */
export interface Quota {
  /** Messages in the `pending` of its channels. */
  pending: number
}

/** A subscription: its endpoint id, the key it was made with, its receiver and its messages. */
export class Channel<R extends Receiver = Receiver> {
  readonly id: string = newId()
  /** The subscription's application server key, when it was made with one (RFC 8292 §4). */
  readonly key: Uint8Array | undefined
  readonly receiver: R
  readonly quota: Quota | undefined
  gone = false
  /** Messages waiting, and sent and not acknowledged; changed only by the {@link Store}. */
  pending: Message[] = []

  /** @param receiver makes the receiver, given this channel */
  constructor(key: Uint8Array | undefined, receiver: (channel: Channel<R>) => R, quota: Quota | undefined) {
    this.key = key
    this.quota = quota
    this.receiver = receiver(this)
  }
}

/** The service's counters. */
export interface Stats {
  requests: number
  accepted: number
  delivered: number
  expired: number
  replaced: number
}

/** The channels, their messages, and the unsubscribed endpoints, within `limits`. */
export class Store {
  readonly stats: Stats = { requests: 0, accepted: 0, delivered: 0, expired: 0, replaced: 0 }
  readonly #limits: Limits
  readonly #channels = new Map<string, Channel>()
  /** Unsubscribed channel ids and when they went: they answer 410 while they are here. */
  readonly #gone = new Map<string, number>()
  /** Messages in the `pending` of every channel. */
  #pendingTotal = 0

  constructor(limits: Limits) {
    this.#limits = limits
  }

  /**
   * Opens a channel for `receiver`.
   * @param key the application server key the subscription is restricted to (RFC 8292 §4), base64url or bytes
   * @param quota the bound it shares with other channels, if any
   * @throws WebPushError `ERR_WP_BASE64URL` for a key that is not base64url, `ERR_WP_INVALID_ARGUMENT`
   *   for one that is not a 65-byte uncompressed P-256 key
   */
  open<R extends Receiver>(
    key: string | Uint8Array | undefined,
    receiver: (channel: Channel<R>) => R,
    quota?: Quota,
  ): Channel<R> {
    let bytes: Uint8Array | undefined
    if (key !== undefined) {
      bytes = typeof key === 'string' ? base64urlDecode(key, 'applicationServerKey') : key
      if (bytes.length !== 65 || bytes[0] !== 4)
        throw new WebPushError(
          'ERR_WP_INVALID_ARGUMENT',
          'applicationServerKey must be a 65-byte uncompressed P-256 key',
        )
    }
    const channel = new Channel(bytes, receiver, quota)
    this.#channels.set(channel.id, channel)
    return channel
  }

  /** The open channel with this id. */
  get(id: string): Channel | undefined {
    return this.#channels.get(id)
  }

  /** Whether this id is of a channel unsubscribed within `goneRetentionMs`, and among the newest `maxGone`. */
  isGone(id: string): boolean {
    return this.#gone.has(id)
  }

  /**
   * Unsubscribes a channel: what waits for it is dropped and the channel forgotten; its endpoint
   * answers 410 for `goneRetentionMs`, or until `maxGone` newer ones push it out, then 404.
   */
  retire(channel: Channel): void {
    if (channel.gone) return
    this.#setPending(channel, [])
    channel.gone = true
    this.#channels.delete(channel.id)
    this.#gone.set(channel.id, Date.now())
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.#gone.size > this.#limits.maxGone) this.#gone.delete(this.#gone.keys().next().value as string)
  }

  /** Why a new message for `channel` finds no room (the `maxPending*` limit it meets), or undefined when it fits. */
  full(channel: Channel, topic: string | undefined): string | undefined {
    // RFC 8030 §5.4: a message that replaces a waiting one with the same topic takes no more room.
    if (topic !== undefined && channel.pending.some((m) => !m.sent && m.topic === topic)) return undefined
    const limits = this.#limits
    if (channel.pending.length + channel.receiver.held >= limits.maxPendingPerChannel)
      return `${limits.maxPendingPerChannel} for this subscription`
    if (channel.quota !== undefined && channel.quota.pending >= limits.maxPendingPerUaid)
      return `${limits.maxPendingPerUaid} for this user agent`
    if (this.#pendingTotal >= limits.maxPendingMessages) return `${limits.maxPendingMessages} in all`
    return undefined
  }

  /** Takes an accepted message (`ttl` in seconds) and hands it on at once if its receiver is online. */
  enqueue(message: Message, ttl: number): void {
    const channel = message.channel
    // RFC 8030 §5.4: a new message with the same topic replaces one that is still waiting.
    if (message.topic !== undefined) {
      const kept = channel.pending.filter((m) => m.sent || m.topic !== message.topic)
      this.stats.replaced += channel.pending.length - kept.length
      this.#setPending(channel, kept)
    }
    const online = channel.receiver.online
    // RFC 8030 §5.2: a TTL of 0 means deliver now or never.
    if (ttl === 0 && !online) {
      this.stats.expired++
      return
    }
    this.#setPending(channel, [...channel.pending, message])
    if (online) this.flush(channel)
  }

  /** Hands what waits on a channel to its receiver, if it is online; a message past its TTL goes nowhere (RFC 8030 §5.2). */
  flush(channel: Channel): void {
    const receiver = channel.receiver
    if (channel.gone || !receiver.online) return
    const now = Date.now()
    const keep: Message[] = []
    for (const message of channel.pending) {
      if (message.sent) {
        keep.push(message)
        continue
      }
      if (message.expiresAt < now) {
        this.stats.expired++
        continue
      }
      const acknowledged = receiver.deliver(message)
      this.stats.delivered++
      if (acknowledged) {
        message.sent = true
        keep.push(message)
      }
    }
    this.#setPending(channel, keep)
  }

  /** Marks what was sent and not acknowledged as waiting again: the receiver lost it, and the next flush sends it again. */
  unsend(channel: Channel): void {
    for (const message of channel.pending) message.sent = false
  }

  /** Drops the message `id` from `channel` once its receiver has acknowledged it. */
  settle(channel: Channel, id: string): void {
    if (channel.pending.some((m) => m.id === id))
      this.#setPending(
        channel,
        channel.pending.filter((m) => m.id !== id),
      )
  }

  /** Drops a message still waiting (not sent): true when there was one with this id. */
  remove(id: string): boolean {
    for (const channel of this.#channels.values()) {
      const found = channel.pending.find((m) => m.id === id && !m.sent)
      if (found !== undefined) {
        this.#setPending(
          channel,
          channel.pending.filter((m) => m !== found),
        )
        return true
      }
    }
    return false
  }

  /** Drops the messages past their TTL and forgets the unsubscribed endpoints past `goneRetentionMs`. */
  sweep(now: number): void {
    for (const channel of this.#channels.values()) {
      if (channel.pending.length === 0) continue
      // RFC 8030 §5.2: past its TTL a message is not delivered, and one sent and never acked is not sent again.
      const kept = channel.pending.filter((m) => m.expiresAt >= now)
      if (kept.length === channel.pending.length) continue
      this.stats.expired += channel.pending.length - kept.length
      this.#setPending(channel, kept)
    }
    // Unsubscribed ids are kept in the order they went: the old ones come first.
    for (const [id, at] of this.#gone) {
      if (at >= now - this.#limits.goneRetentionMs) break
      this.#gone.delete(id)
    }
  }

  /** Replaces a channel's messages, keeping the counts of its quota and of the service. */
  #setPending(channel: Channel, pending: Message[]): void {
    const delta = pending.length - channel.pending.length
    channel.pending = pending
    this.#pendingTotal += delta
    if (channel.quota !== undefined) channel.quota.pending += delta
  }
}
