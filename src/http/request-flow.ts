/**
 * What every route does around its own work, in one place: open a request (its id, URL, start
 * time, CORS headers, the checks of request-admission.ts), guard the
 * handler (a throw answers 500 with its stack logged), answer it exactly once (`reply`, `refuse`,
 * `respond`, `fail`: each a no-op once the request is answered or its client gone), and count the
 * finished request (metrics, trace end, a debug access line). Methods on one object, so the per-request calls stay
 * monomorphic and cheap.
 */
import { performance } from 'node:perf_hooks';
import type { HttpRequest, HttpResponse } from './uws.js';
import type { Config } from '../config/config.js';
import { errorLogFields, ServiceError, type ErrorCode } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { ROUTES, type HttpRecorder } from '../observability/metrics.js';
import type { RequestTrace } from '../observability/request-trace.js';
import { LATEST, type BlockTag } from '../chain/block-tag.js';
import type { Payer, Rejection } from './admission.js';
import { RequestAdmission, type Checks } from './request-admission.js';
import { Cors } from './cors.js';
import { RequestIds } from './request-id.js';
import {
  JSON_TYPE,
  NO_HEADERS,
  withHeaders,
  writeBody,
  writeEmpty,
  writeProblem,
  writeProblemDetails,
  type ExtraHeaders,
  type ProblemOptions,
} from './responses.js';

/** Client went away before the answer (nginx's convention); counted, never written. */
export const CLIENT_CLOSED = 499;

const OPEN = 0;
const ANSWERED = 1;
const GONE = 2;
/** Module-private key: only RequestFlow moves a request out of OPEN, so it is answered once. */
const STATE = Symbol('answer state');

/**
 * One request: created once by RequestFlow.open in the handler, passed to everything that answers
 * it. Copies what it needs from `req` (which uWS frees when the handler returns). Its `requestId`
 * is what the balance reader takes (balance/balance-reader.ts, BalanceRequest).
 */
export class RequestContext {
  /** OPEN, ANSWERED, or GONE (the client went away first): counted once, on leaving OPEN. */
  [STATE]: typeof OPEN | typeof ANSWERED | typeof GONE = OPEN;
  /** The request's span when tracing is on and the request is sampled. */
  trace: RequestTrace | undefined = undefined;
  /** The block to read at (?blockTag=, or a batch body's blockTag); the balance lookup takes it. */
  tag: BlockTag = LATEST;
  /** Who pays the rate-limit tokens of a request charged later (checks 'identify'). */
  payer: Payer = undefined;
  /** A verified read (VERIFY_PROOFS, or the request's ?verify=), set by the balance routes. */
  verify = false;

  constructor(
    readonly res: HttpResponse,
    /** Index into ROUTES (metrics label). */
    readonly route: number,
    readonly requestId: string,
    readonly url: string,
    /** Lower-case method as sent. */
    readonly method: string,
    /** performance.now() when the handler started: the request's clock and its duration's start. */
    readonly started: number,
    /** Extra response headers for every answer (CORS). */
    readonly headers: ExtraHeaders,
  ) {}

  /** Not answered yet and the client still there: worth doing the work (and safe to touch `res`). */
  get open(): boolean {
    return this[STATE] === OPEN;
  }
}

/** How a reply differs from a plain answer; `headers` come on top of the request's own (CORS). */
export interface ReplyOptions {
  readonly headers?: ExtraHeaders | undefined;
  readonly close?: boolean | undefined;
  readonly omitBody?: boolean | undefined;
}

export type RefuseOptions = ReplyOptions & Pick<ProblemOptions, 'instance' | 'extra'>;

export interface RouteOptions {
  /** 'any': the method as sent (405 and 404 handlers); else the one the route is registered for. */
  readonly method: 'get' | 'post' | 'options' | 'any';
  readonly checks: Checks;
  /** Largest request body the route reads (default: admission's MAX_BODY_BYTES). */
  readonly maxBody?: number;
  /** CORS response headers on every answer (the balance route and its 405). */
  readonly cors?: boolean;
}

export type RouteHandler = (res: HttpResponse, req: HttpRequest) => void;

export class RequestFlow {
  readonly ids = new RequestIds();
  readonly cors: Cors | undefined;
  /** Requests waiting on an upstream read (the drain on shutdown and the inflight gauge read this). */
  inflight = 0;
  private readonly admission: RequestAdmission;
  private readonly accessLog: boolean;

  constructor(
    config: Config,
    readonly recorder: HttpRecorder,
    private readonly log: Logger,
  ) {
    this.cors = config.corsOrigins.length === 0 ? undefined : new Cors(config.corsOrigins);
    this.admission = new RequestAdmission(config, recorder);
    this.accessLog = log.isLevelEnabled('debug');
    recorder.inflight = () => this.inflight;
  }

  /**
   * A uWS handler for `route`: opens the request (answering refusals itself) and runs `serve`
   * with its context. A throw (our bug) answers 500 INTERNAL if the response is still open and
   * logs the stack; it never takes the process down.
   */
  handler(route: number, options: RouteOptions, serve: (ctx: RequestContext, req: HttpRequest) => void): RouteHandler {
    return (res, req) => {
      let ctx: RequestContext | undefined;
      try {
        ctx = this.open(res, req, route, options);
        if (ctx !== undefined) serve(ctx, req);
      } catch (error) {
        this.threw(res, ctx, error);
      }
    };
  }

  /**
   * The request's context, or undefined when it was refused (already answered and counted). Must
   * run before any await (reads `req` and the socket).
   */
  open(res: HttpResponse, req: HttpRequest, route: number, options: RouteOptions): RequestContext | undefined {
    const started = performance.now();
    const id = this.ids.from(req.getHeader('x-request-id'));
    // Before getMethod(): this uWS build lowercases the method in place.
    const method = options.method === 'any' ? req.getCaseSensitiveMethod().toLowerCase() : options.method;
    const headers = options.cors === true && this.cors !== undefined ? this.cors.headers(req.getHeader('origin')) : NO_HEADERS;
    const ctx = new RequestContext(res, route, id, req.getUrl(), method, started, headers);
    const refusal = this.admission.refusal(ctx, res, req, options.checks, options.maxBody);
    if (refusal === undefined) return ctx;
    this.refuse(ctx, refusal.code, refusal.detail, { extra: refusal.extra, headers: refusal.headers, close: refusal.close, omitBody: ctx.method === 'head' });
    return undefined;
  }

  /** Takes `n` rate-limit tokens from the request's payer (checks 'identify'); undefined: go ahead. */
  charge(ctx: RequestContext, n: number): Rejection | undefined {
    return this.admission.charge(ctx.payer, n);
  }

  /**
   * Registers onAborted for a request about to await: the client leaving counts the request once
   * (499) and stops any later write.
   */
  awaiting(ctx: RequestContext): void {
    ctx.res.onAborted(() => {
      if (ctx[STATE] !== OPEN) return;
      ctx[STATE] = GONE;
      this.finish(ctx, CLIENT_CLOSED);
    });
  }

  /**
   * Answers `ctx` with `body` and counts it, unless already answered or aborted. Must run corked
   * (the handler's own tick, or inside res.cork after an await). Without options it allocates
   * nothing: the context carries its request id and headers (the cache hit's path).
   */
  reply(ctx: RequestContext, status: number, contentType: string, body: string | Buffer, options?: ReplyOptions): void {
    if (ctx[STATE] !== OPEN) return;
    ctx[STATE] = ANSWERED;
    writeBody(
      ctx.res,
      status,
      contentType,
      body,
      options === undefined
        ? ctx
        : { requestId: ctx.requestId, headers: withHeaders(options.headers ?? NO_HEADERS, ctx.headers), close: options.close, omitBody: options.omitBody },
    );
    this.finish(ctx, status);
  }

  /** Answers `ctx` once with a writer of its own (cacheable static bodies); `write` returns the status written. */
  replyWith(ctx: RequestContext, write: (res: HttpResponse) => number): void {
    if (ctx[STATE] !== OPEN) return;
    ctx[STATE] = ANSWERED;
    this.finish(ctx, write(ctx.res));
  }

  /** A body-less answer (a CORS preflight's 204), once; `headers` replace the request's own. */
  replyEmpty(ctx: RequestContext, status: number, headers: ExtraHeaders): void {
    if (ctx[STATE] !== OPEN) return;
    ctx[STATE] = ANSWERED;
    writeEmpty(ctx.res, status, ctx.requestId, headers);
    this.finish(ctx, status);
  }

  /** Answers `ctx` with a problem+json refusal and counts it, once; corked like `reply`. */
  refuse(ctx: RequestContext, code: ErrorCode, detail: string, options: RefuseOptions = {}): void {
    if (ctx[STATE] !== OPEN) return;
    ctx[STATE] = ANSWERED;
    const status = writeProblemDetails(ctx.res, code, detail, ctx.requestId, {
      instance: options.instance,
      extra: options.extra,
      headers: withHeaders(options.headers ?? NO_HEADERS, ctx.headers),
      close: options.close,
      omitBody: options.omitBody,
    });
    this.finish(ctx, status);
  }

  /** Runs `write` corked if the request is still open (after an await: uWS forbids touching an aborted res). */
  later(ctx: RequestContext, write: () => void): void {
    if (ctx[STATE] === OPEN) ctx.res.cork(write);
  }

  /** Counts a finished request: metrics, trace, and (at debug level only) an access log line. */
  private finish(ctx: RequestContext, status: number): void {
    const seconds = (performance.now() - ctx.started) / 1000;
    this.recorder.record(ctx.route, status, seconds);
    if (ctx.trace !== undefined) ctx.trace.end(status);
    if (this.accessLog) this.log.debug({ reqId: ctx.requestId, route: ROUTES[ctx.route], status, ms: Math.round(seconds * 1e6) / 1000 }, 'request');
  }

  /**
   * Answers an awaiting request (see `awaiting`) with `work`'s body once it settles: 200 (JSON
   * unless `contentType` says otherwise), or `fail`. Counted in flight meanwhile (the shutdown drain
   * waits for it). A throw from `work` itself is treated as its rejection.
   */
  respond(ctx: RequestContext, work: () => Promise<string | Buffer>, contentType: string = JSON_TYPE): void {
    let pending: Promise<string | Buffer>;
    try {
      pending = work();
    } catch (error) {
      pending = Promise.reject(error);
    }
    // Counted once the work has started: a /metrics scrape samples the gauge synchronously in
    // `work`, and the gauge tells requests waiting upstream, not the scrape that reads it.
    this.inflight++;
    pending.then(
      (body) => {
        this.inflight--;
        this.later(ctx, () => this.reply(ctx, 200, contentType, body));
      },
      (error: unknown) => {
        this.inflight--;
        this.fail(ctx, error);
      },
    );
  }

  /**
   * Answers an awaited request that failed, once, if the client is still there. A ServiceError
   * answers with its own status; anything else is our bug: 500 INTERNAL, its stack logged.
   */
  fail(ctx: RequestContext, error: unknown): void {
    this.logFailure(ctx, error);
    if (ctx[STATE] !== OPEN) return;
    ctx[STATE] = ANSWERED;
    let status = 500;
    ctx.res.cork(() => (status = writeProblem(ctx.res, error, ctx.url, ctx)));
    this.finish(ctx, status);
  }

  /** Logs a failed request: 5xx only (a 4xx is the client's business); our bugs with their stack. */
  logFailure(ctx: RequestContext, error: unknown): void {
    const fields = { reqId: ctx.requestId, url: ctx.url.slice(0, 64), ...errorLogFields(error) };
    if (!(error instanceof ServiceError)) this.log.error(fields, 'request failed: internal error');
    else if (error.status >= 500) this.log.warn(fields, 'request failed');
  }

  /** A handler threw: our bug. Logged with its stack; a 500 if the response is still open. */
  private threw(res: HttpResponse, ctx: RequestContext | undefined, error: unknown): void {
    this.log.error({ reqId: ctx?.requestId, ...errorLogFields(error) }, 'handler threw');
    if (ctx !== undefined && ctx[STATE] !== OPEN) return;
    try {
      const status = writeProblemDetails(res, 'INTERNAL', 'Unexpected error', ctx?.requestId ?? 'unknown');
      if (ctx !== undefined) {
        ctx[STATE] = ANSWERED;
        this.finish(ctx, status);
      }
    } catch {
      // Already answered or aborted: nothing left to do.
    }
  }

  close(): void {
    this.admission.close();
  }
}
