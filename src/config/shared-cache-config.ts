/**
 * REDIS_URL and friends -> a validated, frozen SharedCacheConfig, or undefined when REDIS_URL is
 * unset (the service then runs without any Redis code on its path). Pure: reads only its argument.
 * The password never leaves this object except to the client: `redactedUrl` is what logs and
 * errors show, and `secrets` joins the service's list of strings to scrub from any text.
 */
import { ConfigError } from './config-error.js';
import { number, POSITIVE_INT, raw, type Env } from './env-parsers.js';
import { redactUrl } from '../observability/redact.js';

export interface SharedCacheConfig {
  readonly host: string;
  readonly port: number;
  /** rediss:// — TLS to the server (ElastiCache with transit encryption). */
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly db: number;
  /** scheme://[***@]host:port[/db], safe to log. */
  readonly redactedUrl: string;
  readonly keyPrefix: string;
  /** Bound on every Redis operation on a request's path. */
  readonly timeoutMs: number;
  /** Redis TTL of a shared entry: bounds memory only (an entry at a block hash never goes stale). */
  readonly ttlSeconds: number;
  readonly secrets: readonly string[];
}

export const SHARED_CACHE_DEFAULTS = Object.freeze({
  REDIS_KEY_PREFIX: 'balance-api:',
  REDIS_TIMEOUT_MS: 50,
  SHARED_CACHE_TTL_SECONDS: 60,
});

/**
 * Redacted form of any redis URL: scheme, host, port and db; user and password become `***@`.
 * The provider URLs' rule (observability/redact.ts) does exactly that for redis:// and rediss://.
 */
export function redactRedisUrl(value: string): string {
  return redactUrl(value);
}

export function parseRedisUrl(value: string): Omit<SharedCacheConfig, 'keyPrefix' | 'timeoutMs' | 'ttlSeconds'> {
  const shown = redactRedisUrl(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`REDIS_URL must be redis://[user:password@]host:port[/db] or rediss://..., got ${shown}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got ${shown}`);
  }
  if (url.hostname === '') throw new ConfigError(`REDIS_URL needs a host, got ${shown}`);
  if (url.search !== '' || url.hash !== '') throw new ConfigError(`REDIS_URL takes no query or fragment, got ${shown}`);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText)) throw new ConfigError(`REDIS_URL database must be a number 0-99, got ${shown}`);
  const username = url.username === '' ? undefined : decodeURIComponent(url.username);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  // A URL with only "user@" is a password-only AUTH (Redis < 6 style `redis://:pass@` has no user).
  const secrets = [password, url.password === '' ? undefined : url.password].filter((s): s is string => s !== undefined && s !== '');
  return Object.freeze({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 6379 : Number(url.port),
    tls: url.protocol === 'rediss:',
    username,
    password,
    db: dbText === '' ? 0 : Number(dbText),
    redactedUrl: shown,
    secrets: Object.freeze([...new Set(secrets)]),
  });
}

/** undefined when REDIS_URL is unset or empty: no shared cache. */
export function loadSharedCacheConfig(env: Env): SharedCacheConfig | undefined {
  const url = raw(env, 'REDIS_URL');
  if (url === undefined) return undefined;
  const keyPrefix = raw(env, 'REDIS_KEY_PREFIX') ?? SHARED_CACHE_DEFAULTS.REDIS_KEY_PREFIX;
  if (keyPrefix.length > 64 || /[\s{}]/.test(keyPrefix)) {
    throw new ConfigError(`REDIS_KEY_PREFIX must be at most 64 characters without spaces or braces, got "${keyPrefix}"`);
  }
  return Object.freeze({
    ...parseRedisUrl(url),
    keyPrefix,
    timeoutMs: number(env, 'REDIS_TIMEOUT_MS', SHARED_CACHE_DEFAULTS.REDIS_TIMEOUT_MS, POSITIVE_INT),
    ttlSeconds: number(env, 'SHARED_CACHE_TTL_SECONDS', SHARED_CACHE_DEFAULTS.SHARED_CACHE_TTL_SECONDS, POSITIVE_INT),
  });
}
