/**
 * Shared-cache failures, classified once (the metric's `kind` label). None of them ever reaches a
 * client: each one only means "read upstream as if there were no Redis".
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
 * timeout: our bound or ioredis' commandTimeout (a hung or overloaded Redis).
 * connection: refused, reset, closed, or offline with the offline queue disabled (a dead Redis).
 * reply: Redis answered with an error (NOSCRIPT storms, OOM, NOAUTH, READONLY after a failover).
 * protocol: bytes that are not RESP (something else listening on the port).
 * poison: a well-formed reply whose value does not match its key (counted by the cache itself).
 */
export function classifyRedisError(error: unknown): SharedCacheErrorKind {
  if (error instanceof SharedCacheTimeout) return 'timeout';
  const name = (error as { name?: unknown } | null)?.name;
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  if (name === 'ReplyError') return 'reply';
  if (name === 'ParserError' || /protocol error|unexpected reply/i.test(message)) return 'protocol';
  if (/timed out/i.test(message)) return 'timeout';
  return 'connection';
}
