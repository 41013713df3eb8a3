/** CORS_ORIGINS: `*` alone, or exact origins (scheme, host, port; no path). Empty: CORS off. */
import { ConfigError } from './config-error.js';
import { list, type Env } from './env-parsers.js';

export function loadCorsOrigins(env: Env): readonly string[] {
  const origins = list(env, 'CORS_ORIGINS');
  if (origins.includes('*')) {
    if (origins.length > 1) throw new ConfigError('CORS_ORIGINS must be "*" alone or a list of origins, not both');
    return Object.freeze(origins);
  }
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      throw new ConfigError(`CORS_ORIGINS entries must be origins like "https://app.example.com" (no path), got "${origin}"`);
    }
  }
  return Object.freeze(origins);
}
