/**
 * The checks a route asks for before its handler runs: the request's shape (URL and body size)
 * and, when configured, its API key and rate limit. Decides only; RequestFlow answers a refusal.
 */
import { performance } from 'node:perf_hooks';
import type { HttpRequest, HttpResponse } from './uws.js';
import type { Config } from '../config/config.js';
import type { HttpRecorder } from '../observability/metrics.js';
import { AccessControl, MAX_URL_LENGTH, screen, type Payer, type Rejection } from './admission.js';

const LIMITER_SWEEP_MS = 10_000;

/**
 * 'none': no checks; 'shape': URL and body checks; 'admit': those plus API key and rate limit
 * when configured; 'identify': shape checks and the API key, the tokens taken later by `charge`
 * (a batch counts its addresses).
 */
export type Checks = 'none' | 'shape' | 'admit' | 'identify';

/** What the checks read of a request besides `req`, and where 'identify' leaves its payer. */
export interface Admitted {
  readonly url: string;
  readonly method: string;
  readonly started: number;
  payer: Payer;
}

export class RequestAdmission {
  private readonly access: AccessControl | undefined;
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(config: Config, recorder: HttpRecorder) {
    this.access = AccessControl.needed(config) ? new AccessControl(config, recorder) : undefined;
    const limiter = this.access?.clients;
    if (limiter !== undefined) {
      recorder.limiterClients = () => limiter.size;
      recorder.limiterCapacity = config.rateLimitMaxClients;
      this.sweeper = setInterval(() => limiter.sweep(performance.now()), LIMITER_SWEEP_MS).unref();
    }
  }

  /** Why `checks` refuse the request, or undefined (then 'identify' has set `ctx.payer`). */
  refusal(ctx: Admitted, res: HttpResponse, req: HttpRequest, checks: Checks, maxBody: number | undefined): Rejection | undefined {
    if (checks === 'none') return undefined;
    const { url, method } = ctx;
    const contentLength = req.getHeader('content-length');
    const transferEncoding = req.getHeader('transfer-encoding');
    let refusal =
      url.length > MAX_URL_LENGTH || contentLength !== '' || transferEncoding !== ''
        ? screen(url, method, contentLength, transferEncoding, maxBody)
        : undefined;
    if (refusal === undefined && checks === 'admit' && this.access !== undefined) refusal = this.access.admit(res, req, ctx.started);
    if (refusal !== undefined || checks !== 'identify' || this.access === undefined) return refusal;
    const who = this.access.identify(res, req);
    if ('refusal' in who) return who.refusal;
    ctx.payer = who.payer;
    return undefined;
  }

  /** Takes `n` rate-limit tokens from `payer` (checks 'identify'); undefined: go ahead. */
  charge(payer: Payer, n: number): Rejection | undefined {
    return this.access === undefined ? undefined : this.access.charge(payer, n, performance.now());
  }

  close(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
  }
}
