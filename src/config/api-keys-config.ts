/**
 * API_KEYS: comma-separated `key`, `name:key`, `name:key:rps` or `name:key:rps:burst`. A key goes
 * nowhere but the lookup table and the secrets to scrub; no error echoes one.
 */
import { ConfigError } from './config-error.js';
import { list, number, POSITIVE_INT, POSITIVE_NUMBER, type Env } from './env-parsers.js';
import { defaultBurst } from './rate-limit-config.js';

/** One API key from API_KEYS. */
export interface ApiKeyConfig {
  /** Operator-facing name (logs, metrics); never the key. */
  readonly name: string;
  readonly key: string;
  /** Requests per second for this key; undefined: RATE_LIMIT_RPS applies per key (or no limit). */
  readonly rps: number | undefined;
  readonly burst: number | undefined;
}

const API_KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const API_KEY = /^[A-Za-z0-9._~+/=-]{16,256}$/;

export function loadApiKeys(env: Env): readonly ApiKeyConfig[] {
  const names = new Set<string>();
  const keys = new Set<string>();
  const apiKeys = list(env, 'API_KEYS').map((entry, i) => {
    const where = `API_KEYS entry ${i + 1}`;
    const parts = entry.split(':').map((part) => part.trim());
    if (parts.length > 4) throw new ConfigError(`${where} must be key, name:key, name:key:rps or name:key:rps:burst`);
    const [name, key] = parts.length === 1 ? [`key-${i + 1}`, parts[0]!] : [parts[0]!, parts[1]!];
    // Never echo the key: the message ends up in logs.
    if (!API_KEY.test(key)) throw new ConfigError(`${where} must have a key of 16-256 characters from A-Z a-z 0-9 . _ ~ + / = -`);
    if (!API_KEY_NAME.test(name)) throw new ConfigError(`${where} has an invalid name "${name}" (letters, digits, . _ -)`);
    if (names.has(name)) throw new ConfigError(`${where} repeats the name "${name}"`);
    if (keys.has(key)) throw new ConfigError(`${where} repeats a key given earlier`);
    names.add(name);
    keys.add(key);
    // The parts are read like variables of their own, so they follow the same number rules.
    const scoped = { [`${where} rps`]: parts[2], [`${where} burst`]: parts[3] };
    const rps = number(scoped, `${where} rps`, undefined, POSITIVE_NUMBER);
    const burst = number(scoped, `${where} burst`, rps === undefined ? undefined : defaultBurst(rps), POSITIVE_INT);
    return Object.freeze({ name, key, rps, burst });
  });
  return Object.freeze(apiKeys);
}
