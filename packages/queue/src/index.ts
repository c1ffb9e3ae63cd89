/**
 * @wp/queue: Web Push batches sent by worker processes on any number of machines, on BullMQ and
 * Redis, with exactly one result per subscription.
 */
export type { RedisConnection } from './internal/redis.js'
export { type BatchStatus, createPushQueue, type PushQueue, type PushQueueOptions } from './queue.js'
export { type PushWorker, type PushWorkerOptions, startPushWorker } from './worker.js'
