/**
 * CORS, off unless CORS_ORIGINS is set. Response headers are computed once per configured origin, so
 * a request costs one header read and one map lookup.
 */
import type { ExtraHeaders } from './responses.js';

const EXPOSED = 'x-request-id, retry-after';
const ALLOWED_HEADERS = 'x-api-key, x-request-id';
const MAX_AGE_SECONDS = '600';
const VARY: ExtraHeaders = Object.freeze([Object.freeze(['vary', 'origin'] as const)]);

export class Cors {
  private readonly any: boolean;
  private readonly simple = new Map<string, ExtraHeaders>();
  private readonly preflights = new Map<string, ExtraHeaders>();
  /** For POST /address/balances: a JSON body makes the browser ask about POST and content-type. */
  private readonly postPreflights = new Map<string, ExtraHeaders>();

  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    for (const origin of this.any ? ['*'] : origins) {
      const base: [string, string][] = [['access-control-allow-origin', origin]];
      if (!this.any) base.push(['vary', 'origin']);
      this.simple.set(origin, Object.freeze([...base, ['access-control-expose-headers', EXPOSED]]));
      this.preflights.set(
        origin,
        Object.freeze([
          ...base,
          ['access-control-allow-methods', 'GET'],
          ['access-control-allow-headers', ALLOWED_HEADERS],
          ['access-control-max-age', MAX_AGE_SECONDS],
        ]),
      );
      this.postPreflights.set(
        origin,
        Object.freeze([
          ...base,
          ['access-control-allow-methods', 'POST'],
          ['access-control-allow-headers', `${ALLOWED_HEADERS}, content-type`],
          ['access-control-max-age', MAX_AGE_SECONDS],
        ]),
      );
    }
  }

  /** Headers for an ordinary response to a request from `origin` ('' when it sent none). */
  headers(origin: string): ExtraHeaders {
    return this.simple.get(this.any ? '*' : origin) ?? VARY;
  }

  /** Headers for a preflight (OPTIONS) answer; without allow-origin the browser refuses. */
  preflight(origin: string, post = false): ExtraHeaders {
    return (post ? this.postPreflights : this.preflights).get(this.any ? '*' : origin) ?? VARY;
  }
}
