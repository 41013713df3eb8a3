/**
 * WATCH_* -> the limits of GET /watch (src/watch/). Pure: reads only its argument; loadConfig puts
 * the result in Config.watch.
 */
import { ConfigError } from './config-error.js';

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

/** What Config carries of it. */
export interface WatchSettings {
  readonly watch: WatchConfig;
}

export const WATCH_DEFAULTS = Object.freeze({
  WATCH_MAX_ADDRESSES: 10_000,
  WATCH_MAX_SUBSCRIPTIONS: 16,
  WATCH_MAX_CONNECTIONS: 10_000,
  WATCH_MAX_BACKPRESSURE_BYTES: 1024 * 1024,
});

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: keyof typeof WATCH_DEFAULTS, max: number): number {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return WATCH_DEFAULTS[name];
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1 || parsed > max) {
    throw new ConfigError(`${name} must be an integer from 1 to ${max}, got "${value}"`);
  }
  return parsed;
}

export function loadWatchConfig(env: Env): WatchConfig {
  return Object.freeze({
    maxAddresses: integer(env, 'WATCH_MAX_ADDRESSES', 1_000_000),
    maxSubscriptions: integer(env, 'WATCH_MAX_SUBSCRIPTIONS', 10_000),
    maxConnections: integer(env, 'WATCH_MAX_CONNECTIONS', 1_000_000),
    maxBackpressureBytes: integer(env, 'WATCH_MAX_BACKPRESSURE_BYTES', 1024 ** 3),
  });
}
