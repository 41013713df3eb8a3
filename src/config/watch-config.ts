/**
 * WATCH_* -> the limits of GET /watch (src/watch/). Pure: reads only its argument; loadConfig puts
 * the result in Config.watch.
 */
import { integerFrom, number, type Env } from './env-parsers.js';

export interface WatchConfig {
  /** Addresses one connection may watch, summed over its subscriptions. */
  readonly maxAddresses: number;
  /** Subscriptions one connection may hold. */
  readonly maxSubscriptions: number;
  /** Open connections per process; past it the upgrade is refused with 503. */
  readonly maxConnections: number;
  /** Bytes buffered for a slow consumer before it is closed with 1013. */
  readonly maxBackpressureBytes: number;
}

export const WATCH_DEFAULTS = Object.freeze({
  WATCH_MAX_ADDRESSES: 10_000,
  WATCH_MAX_SUBSCRIPTIONS: 16,
  WATCH_MAX_CONNECTIONS: 10_000,
  WATCH_MAX_BACKPRESSURE_BYTES: 1024 * 1024,
});

export function loadWatchConfig(env: Env): WatchConfig {
  return Object.freeze({
    maxAddresses: number(env, 'WATCH_MAX_ADDRESSES', WATCH_DEFAULTS.WATCH_MAX_ADDRESSES, integerFrom(1, 1_000_000)),
    maxSubscriptions: number(env, 'WATCH_MAX_SUBSCRIPTIONS', WATCH_DEFAULTS.WATCH_MAX_SUBSCRIPTIONS, integerFrom(1, 10_000)),
    maxConnections: number(env, 'WATCH_MAX_CONNECTIONS', WATCH_DEFAULTS.WATCH_MAX_CONNECTIONS, integerFrom(1, 1_000_000)),
    maxBackpressureBytes: number(env, 'WATCH_MAX_BACKPRESSURE_BYTES', WATCH_DEFAULTS.WATCH_MAX_BACKPRESSURE_BYTES, integerFrom(1, 1024 ** 3)),
  });
}
