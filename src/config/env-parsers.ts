/**
 * The readers every config module uses, so every variable follows the same rules: a value is
 * trimmed here and nowhere else (blank is unset), every number goes through one parser, and every
 * refusal is a ConfigError that names the variable and what it must be.
 */
import { ConfigError } from './config-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** What a numeric variable must be; `what` completes "NAME must be ...". */
export interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly what: string;
}

export const POSITIVE_INT: NumberRule = { integer: true, min: 1, what: 'a positive integer' };
export const POSITIVE_MS: NumberRule = { integer: true, min: 1, what: 'a positive integer (milliseconds)' };
export const NON_NEGATIVE_INT: NumberRule = { integer: true, min: 0, what: 'a non-negative integer' };
export const NON_NEGATIVE_MS: NumberRule = { integer: true, min: 0, what: 'a non-negative integer (milliseconds)' };
export const POSITIVE_NUMBER: NumberRule = { min: 0.001, what: 'a positive number' };
export const PORT_NUMBER: NumberRule = { integer: true, min: 0, max: 65535, what: 'a port number (0-65535)' };

/** An integer from `min` to `max`, both included. */
export function integerFrom(min: number, max: number): NumberRule {
  return { integer: true, min, max, what: `an integer from ${min} to ${max}` };
}

/** The value trimmed; undefined when unset or blank. */
export function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Plain decimal notation only (`12`, `-3`, `0.5`): `Number()` alone would also take `1e3`, `0x10`
 * and `0b1`, which an operator reading the value would not expect to mean 1000, 16 and 1.
 */
const DECIMAL = /^-?\d+(\.\d+)?$/;

export function number(env: Env, name: string, fallback: number, rule: NumberRule): number;
export function number(env: Env, name: string, fallback: number | undefined, rule: NumberRule): number | undefined;
export function number(env: Env, name: string, fallback: number | undefined, rule: NumberRule): number | undefined {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  const ok =
    DECIMAL.test(value) &&
    Number.isFinite(parsed) &&
    (!rule.integer || Number.isSafeInteger(parsed)) &&
    (rule.min === undefined || parsed >= rule.min) &&
    (rule.max === undefined || parsed <= rule.max);
  if (!ok) throw new ConfigError(`${name} must be ${rule.what}, got "${value}"`);
  return parsed;
}

/** One of `allowed`, case-insensitive; the lower-cased value. */
export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase() as T;
  if (!allowed.includes(lower)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return lower;
}

/** A comma-separated list, each entry trimmed, blank entries dropped; empty when unset. */
export function list(env: Env, name: string): string[] {
  return (raw(env, name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `value` as an http(s) URL; `name` is what the error calls it (a variable, or one of its entries). */
export function httpUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value may hold a key: say what is wrong without echoing it.
    throw new ConfigError(`${name} must be an http(s) URL, got a value that does not parse as a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL, got protocol "${url.protocol}"`);
  }
  return url;
}
