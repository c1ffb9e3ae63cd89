/**
 * The Lua scripts that keep a batch's count exact: each runs atomically in Redis, so a result
 * written twice (a chunk re-run after a worker died) counts once, and the batch finishes exactly
 * when its last result lands, whoever writes it.
 */
import type { Redis } from 'ioredis'

/** Marks the batch finished when every item has a result, and starts its retention clock. */
const FINISH = `
local function finish(meta, results, stream, now)
  local retention = redis.call('HGET', meta, 'retention')
  local total = redis.call('HGET', meta, 'total')
  if not total or redis.call('HGET', meta, 'finished') == '1' then return end
  if tonumber(redis.call('HGET', meta, 'completed') or '0') < tonumber(total) then return end
  redis.call('HSET', meta, 'finished', '1', 'finishedAt', now)
  redis.call('XADD', stream, '*', 'end', '1')
  redis.call('EXPIRE', meta, retention)
  redis.call('EXPIRE', results, retention)
  redis.call('EXPIRE', stream, retention)
end
`

/**
 * KEYS: meta, results, stream, receipt. ARGV: now (ms), then (index, stored result, outcome)
 * triples. Writes each result unless the item has one; returns, per triple, 1 when it was the
 * first, 0 when it was not; -1 (alone) when the batch is gone (expired or never made).
 * The reply is kept under the write's own receipt key: a write sent again because its reply was
 * lost (a connection that dropped after Redis ran it, resent on reconnection) gets the same reply,
 * so the writer still learns which results were its own (and calls `onGone` for them).
 */
const RECORD = `${FINISH}
local receipt = redis.call('GET', KEYS[4])
if receipt then return cjson.decode(receipt) end
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local out = {}
for i = 2, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('XADD', KEYS[3], '*', 'i', ARGV[i])
    redis.call('HINCRBY', KEYS[1], 'o:' .. ARGV[i + 2], 1)
    redis.call('HINCRBY', KEYS[1], 'completed', 1)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
redis.call('SET', KEYS[4], cjson.encode(out), 'EX', 600)
if not redis.call('HGET', KEYS[1], 'total') then
  -- Not sealed yet: the results live as long as the batch does if its enqueuer dies.
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[2], ttl)
    redis.call('PEXPIRE', KEYS[3], ttl)
  end
end
finish(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return out
`

/** KEYS: meta, results, stream. ARGV: total, now (ms). Seals the batch's size; its keys stop expiring until it finishes. */
const SEAL = `${FINISH}
redis.call('HSET', KEYS[1], 'total', ARGV[1])
-- Sealed: no expiry until the last result lands (finish then starts the retention clock).
redis.call('PERSIST', KEYS[1])
redis.call('PERSIST', KEYS[2])
redis.call('PERSIST', KEYS[3])
finish(KEYS[1], KEYS[2], KEYS[3], ARGV[2])
return 1
`

/** A client with the scripts defined (EVALSHA, loaded again by ioredis after a restart). */
export interface ScriptedRedis extends Redis {
  wpRecord(
    meta: string,
    results: string,
    stream: string,
    receipt: string,
    ...args: (string | number)[]
  ): Promise<number[] | number>
  wpSeal(meta: string, results: string, stream: string, ...args: (string | number)[]): Promise<number>
}

/** Defines the scripts on `redis` (idempotent). */
export function withScripts(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis
  if (typeof scripted.wpRecord !== 'function') {
    redis.defineCommand('wpRecord', { numberOfKeys: 4, lua: RECORD })
    redis.defineCommand('wpSeal', { numberOfKeys: 3, lua: SEAL })
  }
  return scripted
}
