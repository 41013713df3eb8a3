/**
 * Shared-cache failures, classified once (the metric's `kind` label). None of them ever reaches a
 * client: each one only means "read upstream as if there were no Redis". Anything not positively
 * identified here as Redis' (or the network's) failure is our own bug, and surfaces as one.
 */
export const SHARED_CACHE_ERROR_KINDS = ['timeout', 'connection', 'reply', 'protocol', 'poison'] as const;
export type SharedCacheErrorKind = (typeof SHARED_CACHE_ERROR_KINDS)[number];

export class SharedCacheTimeout extends Error {
  constructor(ms: number) {
    super(`shared cache operation took longer than ${ms} ms`);
    this.name = 'SharedCacheTimeout';
  }
}

/**
 * The classes of redis-errors (ioredis' base: RedisError, ReplyError, ParserError, AbortError,
 * InterruptError) and ioredis' own (MaxRetriesPerRequestError extends AbortError,
 * ClusterAllFailedError extends RedisError). Read by name: each sets `name` to its constructor's.
 */
const REDIS_ERROR_NAMES: ReadonlySet<string> = new Set([
  'RedisError',
  'ReplyError',
  'ParserError',
  'AbortError',
  'InterruptError',
  'MaxRetriesPerRequestError',
  'ClusterAllFailedError',
]);

/**
 * Plain Errors ioredis rejects commands with (built/utils CONNECTION_CLOSED_ERROR_MSG,
 * built/Command.js "Command timed out", built/Redis.js and built/cluster: the offline queue
 * disabled, the socket timeout, the cluster's startup nodes).
 */
const IOREDIS_MESSAGES =
  /^(Connection is closed\.|Command timed out|Stream isn't writeable and enableOfflineQueue options is false|Socket timeout\. |connect ETIMEDOUT|None of startup nodes is available|Cluster is disconnect|Cluster isn't ready and enableOfflineQueue options is false|Node is disconnected)/;

/**
 * timeout: our bound or ioredis' commandTimeout (a hung or overloaded Redis).
 * connection: refused, reset, closed, or offline with the offline queue disabled (a dead Redis):
 *   Node's system errors (a string `code` such as ECONNREFUSED and a `syscall`), ioredis' aborts.
 * reply: Redis answered with an error (NOSCRIPT storms, OOM, NOAUTH, READONLY after a failover).
 * protocol: bytes that are not RESP (something else listening on the port).
 * poison: a well-formed reply whose value does not match its key (counted by the cache itself).
 * undefined: not Redis' failure at all (a TypeError of ours): the caller rethrows it.
 */
export function classifyRedisError(error: unknown): SharedCacheErrorKind | undefined {
  if (error instanceof SharedCacheTimeout) return 'timeout';
  if (!isRedisFailure(error)) return undefined;
  const { name, message } = error;
  if (name === 'ReplyError') return 'reply';
  if (name === 'ParserError' || /protocol error|unexpected reply/i.test(message)) return 'protocol';
  if (/timed out/i.test(message)) return 'timeout';
  return 'connection';
}

/** Positive identification: a redis-errors class, a Node system error, or one of ioredis' own. */
function isRedisFailure(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  if (REDIS_ERROR_NAMES.has(error.name)) return true;
  const system = error as NodeJS.ErrnoException;
  if (typeof system.code === 'string' && typeof system.syscall === 'string') return true;
  return IOREDIS_MESSAGES.test(error.message);
}
