/**
 * What every route does around its own work: a request id, the shape checks and (when configured)
 * API key and rate limit, CORS headers, and counting the finished request (metrics, trace end, a
 * debug access line). Methods on one object, so the per-request calls stay monomorphic and cheap.
 */
import { performance } from 'node:perf_hooks';
import type { HttpRequest, HttpResponse } from './uws.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { ROUTES, type HttpRecorder } from '../observability/metrics.js';
import type { RequestTrace } from '../observability/tracing.js';
import { AccessControl, MAX_URL_LENGTH, screen } from './admission.js';
import { Cors } from './cors.js';
import { RequestIds } from './request-id.js';
import { NO_HEADERS, withHeaders, writeProblemDetails, type ExtraHeaders } from './responses.js';

const LIMITER_SWEEP_MS = 10_000;

export class RequestFlow {
  readonly ids = new RequestIds();
  readonly cors: Cors | undefined;
  /** Requests waiting on an upstream read (the drain on shutdown waits for these). */
  inflight = 0;
  private readonly access: AccessControl | undefined;
  private readonly accessLog: boolean;
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(
    config: Config,
    readonly recorder: HttpRecorder,
    private readonly log: Logger,
  ) {
    this.cors = config.corsOrigins.length === 0 ? undefined : new Cors(config.corsOrigins);
    this.access = AccessControl.needed(config) ? new AccessControl(config, recorder) : undefined;
    this.accessLog = log.isLevelEnabled('debug');
    const limiter = this.access?.clients;
    if (limiter !== undefined) {
      recorder.limiterClients = () => limiter.size;
      recorder.limiterCapacity = config.rateLimitMaxClients;
      this.sweeper = setInterval(() => limiter.sweep(performance.now()), LIMITER_SWEEP_MS).unref();
    }
  }

  /** The request's id: the caller's x-request-id when usable, else a new one. */
  id(req: HttpRequest): string {
    return this.ids.from(req.getHeader('x-request-id'));
  }

  corsHeaders(req: HttpRequest): ExtraHeaders {
    return this.cors === undefined ? NO_HEADERS : this.cors.headers(req.getHeader('origin'));
  }

  /** Counts a finished request: metrics, trace, and (at debug level only) an access log line. */
  finish(route: number, status: number, started: number, id: string, trace: RequestTrace | undefined): void {
    const seconds = (performance.now() - started) / 1000;
    this.recorder.record(route, status, seconds);
    if (trace !== undefined) trace.end(status);
    if (this.accessLog) this.log.debug({ reqId: id, route: ROUTES[route], status, ms: Math.round(seconds * 1e6) / 1000 }, 'request');
  }

  /**
   * Shape checks (URL, body) and, when `admit`, API key and rate limit. Answers and returns true
   * when the request is refused. Must run before any await (reads `req` and the socket).
   */
  refused(
    res: HttpResponse,
    req: HttpRequest,
    route: number,
    started: number,
    id: string,
    url: string,
    method: string,
    headers: ExtraHeaders,
    admit: boolean,
  ): boolean {
    const contentLength = req.getHeader('content-length');
    const transferEncoding = req.getHeader('transfer-encoding');
    let refusal =
      url.length > MAX_URL_LENGTH || contentLength !== '' || transferEncoding !== ''
        ? screen(url, method, contentLength, transferEncoding)
        : undefined;
    if (refusal === undefined && admit && this.access !== undefined) refusal = this.access.admit(res, req, started);
    if (refusal === undefined) return false;
    const status = writeProblemDetails(res, refusal.code, refusal.detail, id, {
      extra: refusal.extra,
      headers: withHeaders(refusal.headers, headers),
      close: refusal.close,
      omitBody: method === 'head',
    });
    this.finish(route, status, started, id, undefined);
    return true;
  }

  close(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
  }
}
