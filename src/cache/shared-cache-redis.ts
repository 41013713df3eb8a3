/**
 * The Redis side of the shared cache: connection options and the three scripts (claim, fill,
 * release). Each script touches one hash tag (entry, lock, waiters flag), so it runs in cluster
 * mode too. A fill is published only when a task waits for it (the flag): most fills have no
 * waiter, and a broadcast per fill would wake every task of the fleet for nothing.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { SharedCacheConfig } from '../config/shared-cache-config.js';

// KEYS: entry, lock, waiters. ARGV: token, lock ms.
// -> {1, value} | {2} (lock taken by us) | {3} (held by another; we are marked as waiting).
const CLAIM = `local v = redis.call('GET', KEYS[1])
if v then return {1, v} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
return {3}`;

// KEYS: entry, lock, waiters. ARGV: value, ttl s, channel, token, message.
// Writes, frees our lock, and tells the waiters if there are any.
const FILL = `redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if ARGV[4] ~= '' and redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
if redis.call('DEL', KEYS[3]) == 1 then redis.call('PUBLISH', ARGV[3], ARGV[5]) end
return 1`;

// KEYS: lock, waiters. ARGV: token, channel, message. The filler's read failed: free the lock and
// wake the waiters now (they read for themselves).
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if redis.call('DEL', KEYS[2]) == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1`;

export interface Scripts {
  claim(entry: string, lock: string, waiters: string, token: string, lockMs: number): Promise<[number, string?]>;
  fill(entry: string, lock: string, waiters: string, value: string, ttl: number, channel: string, token: string, message: string): Promise<number>;
  release(lock: string, waiters: string, token: string, channel: string, message: string): Promise<number>;
}

/**
 * ioredis' own options, less `replyMapping`: its RedisOptions type declares that member
 * `| undefined`, which its constructors do not accept under exactOptionalPropertyTypes.
 */
export type ClientOptions = Omit<RedisOptions, 'replyMapping'>;

export function redisOptions(config: SharedCacheConfig): ClientOptions {
  return {
    host: config.host,
    port: config.port,
    username: config.username,
    password: config.password,
    db: config.db,
    tls: config.tls ? { servername: config.host } : undefined,
    lazyConnect: true,
    // A request never queues behind a missing connection: it reads upstream instead.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: config.timeoutMs,
    connectTimeout: 2000,
    keepAlive: 10_000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    // The lookups of one event-loop turn leave in one write (a burst of misses after a new block).
    enableAutoPipelining: true,
  };
}

/** The command connection (with the scripts) and the subscriber for fill messages. */
export function connect(config: SharedCacheConfig): { client: Redis & Scripts; subscriber: Redis } {
  const base = redisOptions(config);
  const client = new Redis(base) as Redis & Scripts;
  client.defineCommand('claim', { numberOfKeys: 3, lua: CLAIM });
  client.defineCommand('fill', { numberOfKeys: 3, lua: FILL });
  client.defineCommand('release', { numberOfKeys: 2, lua: RELEASE });
  // The subscriber only listens; it may queue its SUBSCRIBE until connected and resubscribes itself.
  // Its SUBSCRIBE may wait in the offline queue for as long as Redis is away: no command timeout,
  // no retry limit (commandTimeout left out of its options).
  const { commandTimeout: _unbounded, ...listening } = base;
  const subscriber = new Redis({ ...listening, enableOfflineQueue: true, maxRetriesPerRequest: null, enableAutoPipelining: false });
  return { client, subscriber };
}

/** QUIT politely when connected (bounded), otherwise just drop the socket and stop reconnecting. */
export async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    const timer = setTimeout(() => connection.disconnect(), 500);
    try {
      await connection.quit();
    } catch {
      connection.disconnect();
    } finally {
      clearTimeout(timer);
    }
  } else {
    connection.disconnect();
  }
}
