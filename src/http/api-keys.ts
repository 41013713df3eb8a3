/**
 * API keys (API_KEYS, from an SSM SecureString): each with an optional limit of its own. Presented
 * keys are compared by their SHA-256 digest, so a lookup's timing says nothing about a real key.
 */
import { createHash } from 'node:crypto';
import { rateLimit, type ApiKeyConfig, type RateLimit } from '../config/config.js';
import type { Bucket } from './rate-limit.js';

export interface ApiKey {
  readonly name: string;
  /** undefined: this key is not limited. */
  readonly limit: { readonly rps: number; readonly burst: number; readonly bucket: Bucket } | undefined;
}

const MAX_KEY_LENGTH = 256;

function digest(key: string): string {
  return createHash('sha256').update(key).digest('base64');
}

export class ApiKeys {
  private readonly byDigest = new Map<string, ApiKey>();

  /** `fallback`: the limit for keys without their own (RATE_LIMIT_RPS / RATE_LIMIT_BURST). */
  constructor(keys: readonly ApiKeyConfig[], fallback: RateLimit | undefined) {
    for (const k of keys) {
      const limit = rateLimit(k.rps, k.burst) ?? fallback;
      this.byDigest.set(digest(k.key), {
        name: k.name,
        limit: limit === undefined ? undefined : { ...limit, bucket: { tokens: limit.burst, at: Number.NEGATIVE_INFINITY } },
      });
    }
  }

  /** The key presented in x-api-key, or undefined when missing or unknown. */
  find(presented: string): ApiKey | undefined {
    if (presented === '' || presented.length > MAX_KEY_LENGTH) return undefined;
    return this.byDigest.get(digest(presented));
  }
}
