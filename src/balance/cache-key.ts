/**
 * In-process cache keys. A `latest` answer is keyed by the address alone (today's hot path: no
 * string built on a hit); an answer at another tag by address and the tag's echo, since the body
 * echoes the tag. Either way the entry is stamped with the block hash it was read at, and served
 * only while that is the block the tag resolves to (balance-cache.ts).
 */
export function cacheKey(address: string, echo: string): string {
  return echo === 'latest' ? address : `${address}|${echo}`;
}
