/**
 * The uWS app: routes, admission, response writing and the drain on shutdown. No business logic.
 * uWS rules: register onAborted before the first await, copy what is needed from `req` before it,
 * and after an await write only inside res.cork and only if the client is still there.
 *
 * The cache-hit path stays close to a bare uWS handler: a header read and a counter for the request
 * id, two empty-header checks for a body, two clock reads and a typed-array increment for metrics.
 * Everything else (API keys, rate limits, CORS, tracing) costs nothing unless configured.
 */
import uws from 'uWebSockets.js';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { BalanceService } from '../balance/balance-service.js';
import type { AddressCheck, AddressMemo } from '../codec/address.js';
import type { CodecRunner } from '../codec/codec-pool.js';
import type { Config } from '../config/config.js';
import { ServiceError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { ROUTE, ROUTES, type Metrics } from '../observability/metrics.js';
import { requestContext } from '../observability/request-context.js';
import type { RequestTrace, Tracing } from '../observability/tracing.js';
import type { Upstream } from '../router/upstream.js';
import { AccessControl, MAX_URL_LENGTH, screen } from './admission.js';
import { Cors } from './cors.js';
import { RequestIds } from './request-id.js';
import {
  JSON_TYPE,
  NO_HEADERS,
  writeBody,
  writeEmpty,
  writeJson,
  writeProblem,
  writeProblemDetails,
  withHeaders,
  type ExtraHeaders,
} from './responses.js';

export interface ServerDeps {
  readonly config: Config;
  readonly service: BalanceService;
  readonly upstream: Upstream;
  readonly memo: AddressMemo;
  readonly codec: CodecRunner;
  readonly inlineChecks: boolean;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly tracing: Tracing;
}

export interface RunningServer {
  readonly port: number;
  /** Where /metrics is served when ADMIN_PORT is set. */
  readonly adminPort: number | undefined;
  readonly app: TemplatedApp;
  /** Requests answered asynchronously and not finished yet. */
  inflight(): number;
  /** Closes the listen sockets; in-flight requests go on. */
  stopAccepting(): void;
  /** Resolves true once nothing is in flight, false if the timeout came first. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Closes every connection and stops the server's timers. */
  close(): void;
}

const BALANCE_ROUTE = '/address/balance/:address';
const HEALTHY = Buffer.from(JSON.stringify({ status: 'ok' }));
/** Client went away before the answer (nginx's convention); counted, never written. */
const CLIENT_CLOSED = 499;
const LIMITER_SWEEP_MS = 10_000;
const ALLOW_GET: ExtraHeaders = Object.freeze([Object.freeze(['allow', 'GET'] as const)]);

/** State of one request that awaits (address check on the pool, or a cache miss). */
class Pending {
  aborted = false;
  /** Answered or aborted: counted once. */
  done = false;

  constructor(
    readonly res: HttpResponse,
    readonly started: number,
    readonly id: string,
    readonly url: string,
    readonly headers: ExtraHeaders,
    readonly trace: RequestTrace | undefined,
  ) {}
}

export function createServer(deps: ServerDeps): { app: TemplatedApp; listen: () => Promise<RunningServer> } {
  const { config, service, upstream, memo, codec, log, metrics, tracing } = deps;
  const recorder = metrics.http;
  const app = uws.App();
  const ids = new RequestIds();
  const cors = config.corsOrigins.length === 0 ? undefined : new Cors(config.corsOrigins);
  const access = AccessControl.needed(config) ? new AccessControl(config, recorder) : undefined;
  const limiter = access?.clients;
  if (limiter !== undefined) {
    recorder.limiterClients = () => limiter.size;
    recorder.limiterCapacity = config.rateLimitMaxClients;
  }
  const accessLog = log.isLevelEnabled('debug');
  let inflight = 0;
  const listenSockets: us_listen_socket[] = [];
  const apps: TemplatedApp[] = [app];
  const sweeper = limiter === undefined ? undefined : setInterval(() => limiter.sweep(performance.now()), LIMITER_SWEEP_MS).unref();

  /** Counts a finished request: metrics, trace, and (at debug level only) an access log line. */
  const finish = (route: number, status: number, started: number, id: string, trace: RequestTrace | undefined): void => {
    const seconds = (performance.now() - started) / 1000;
    recorder.record(route, status, seconds);
    if (trace !== undefined) trace.end(status);
    if (accessLog) log.debug({ reqId: id, route: ROUTES[route], status, ms: Math.round(seconds * 1e6) / 1000 }, 'request');
  };

  /**
   * Shape checks (URL, body) and, when `admit`, API key and rate limit. Answers and returns true
   * when the request is refused.
   */
  const refused = (
    res: HttpResponse,
    req: HttpRequest,
    route: number,
    started: number,
    id: string,
    url: string,
    method: string,
    headers: ExtraHeaders,
    admit: boolean,
  ): boolean => {
    const contentLength = req.getHeader('content-length');
    const transferEncoding = req.getHeader('transfer-encoding');
    let refusal =
      url.length > MAX_URL_LENGTH || contentLength !== '' || transferEncoding !== ''
        ? screen(url, method, contentLength, transferEncoding)
        : undefined;
    if (refusal === undefined && admit && access !== undefined) refusal = access.admit(res, req, started);
    if (refusal === undefined) return false;
    const status = writeProblemDetails(res, refusal.code, refusal.detail, id, {
      extra: refusal.extra,
      headers: withHeaders(refusal.headers, headers),
      close: refusal.close,
      omitBody: method === 'head',
    });
    finish(route, status, started, id, undefined);
    return true;
  };

  const corsHeaders = (req: HttpRequest): ExtraHeaders => (cors === undefined ? NO_HEADERS : cors.headers(req.getHeader('origin')));

  const checkInput = (input: string): AddressCheck | Promise<AddressCheck> => {
    const memoized = memo.get(input);
    if (memoized !== undefined) return memoized;
    if (deps.inlineChecks || input.length !== 42) return memo.check(input);
    return codec.run({ kind: 'check', input, mode: config.addressChecksum }).then((result) => {
      memo.remember(input, result as AddressCheck);
      return result as AddressCheck;
    });
  };

  const rejectCheck = (
    res: HttpResponse,
    check: Exclude<AddressCheck, { ok: true }>,
    url: string,
    started: number,
    id: string,
    headers: ExtraHeaders,
    trace: RequestTrace | undefined,
  ) => {
    const extra = check.checksummed === undefined ? undefined : { checksummed: check.checksummed };
    const status = writeProblemDetails(res, check.code, check.detail, id, { instance: url, extra, headers });
    finish(ROUTE.balance, status, started, id, trace);
  };

  const pendingFor = (res: HttpResponse, started: number, id: string, url: string, headers: ExtraHeaders, trace: RequestTrace | undefined) => {
    const pending = new Pending(res, started, id, url, headers, trace);
    res.onAborted(() => {
      pending.aborted = true;
      if (pending.done) return;
      pending.done = true;
      finish(ROUTE.balance, CLIENT_CLOSED, started, id, trace);
    });
    return pending;
  };

  const failed = (pending: Pending, error: unknown): void => {
    logFailure(log, error, pending.id, pending.url);
    if (pending.aborted || pending.done) return;
    pending.done = true;
    let status = 500;
    pending.res.cork(() => (status = writeProblem(pending.res, error, pending.id, pending.url, pending.headers)));
    finish(ROUTE.balance, status, pending.started, pending.id, pending.trace);
  };

  /** A cache miss: waits for the read (in the request's context, so its log lines carry the id). */
  const lookup = (pending: Pending, address: string): void => {
    inflight++;
    recorder.inflight++;
    const settle = () => {
      inflight--;
      recorder.inflight--;
    };
    const work = () => service.lookup(address);
    requestContext.run({ requestId: pending.id }, () => {
      let read: Promise<Buffer>;
      try {
        read = pending.trace === undefined ? work() : pending.trace.lookup(work);
      } catch (error) {
        read = Promise.reject(error);
      }
      read.then(
        (body) => {
          settle();
          if (pending.aborted || pending.done) return;
          pending.done = true;
          pending.res.cork(() => writeBody(pending.res, 200, JSON_TYPE, body, pending.id, pending.headers));
          finish(ROUTE.balance, 200, pending.started, pending.id, pending.trace);
        },
        (error: unknown) => {
          settle();
          failed(pending, error);
        },
      );
    });
  };

  /** Answers a balance whose address check is done: from the cache at once, or after a read. */
  const answer = (
    res: HttpResponse,
    address: string,
    url: string,
    started: number,
    id: string,
    headers: ExtraHeaders,
    trace: RequestTrace | undefined,
    pending: Pending | undefined,
  ) => {
    const hit = service.tryHit(address);
    if (hit !== undefined) {
      if (trace !== undefined) trace.hit();
      if (pending !== undefined) pending.done = true;
      writeBody(res, 200, JSON_TYPE, hit, id, headers);
      finish(ROUTE.balance, 200, started, id, trace);
      return;
    }
    lookup(pending ?? pendingFor(res, started, id, url, headers, trace), address);
  };

  app.get(
    BALANCE_ROUTE,
    guard(log, (res, req) => {
      const started = performance.now();
      const id = ids.from(req.getHeader('x-request-id'));
      const url = req.getUrl();
      const headers = corsHeaders(req);
      if (refused(res, req, ROUTE.balance, started, id, url, 'get', headers, true)) return;
      const trace = tracing.enabled
        ? tracing.startRequest('GET', BALANCE_ROUTE, id, req.getHeader('traceparent'), req.getHeader('tracestate'))
        : undefined;
      const check = checkInput(req.getParameter(0) ?? '');
      if (!(check instanceof Promise)) {
        if (check.ok) answer(res, check.address, url, started, id, headers, trace, undefined);
        else rejectCheck(res, check, url, started, id, headers, trace);
        return;
      }
      const pending = pendingFor(res, started, id, url, headers, trace);
      check.then(
        (result) => {
          if (pending.aborted) return;
          res.cork(() => {
            if (result.ok) answer(res, result.address, url, started, id, headers, trace, pending);
            else {
              pending.done = true;
              rejectCheck(res, result, url, started, id, headers, trace);
            }
          });
        },
        (error: unknown) => failed(pending, error),
      );
    }),
  );

  app.get(
    '/healthz',
    guard(log, (res, req) => {
      const started = performance.now();
      const id = ids.from(req.getHeader('x-request-id'));
      if (refused(res, req, ROUTE.healthz, started, id, req.getUrl(), 'get', NO_HEADERS, false)) return;
      writeBody(res, 200, JSON_TYPE, HEALTHY, id);
      finish(ROUTE.healthz, 200, started, id, undefined);
    }),
  );

  app.get(
    '/readyz',
    guard(log, (res, req) => {
      const started = performance.now();
      const id = ids.from(req.getHeader('x-request-id'));
      if (refused(res, req, ROUTE.readyz, started, id, req.getUrl(), 'get', NO_HEADERS, false)) return;
      const last = upstream.lastHead();
      let status = 200;
      if (upstream.ready()) {
        writeJson(
          res,
          200,
          {
            status: 'ready',
            network: upstream.network(),
            headBlockNumber: last?.head.numberHex,
            headAgeMs: last === undefined ? undefined : Math.round(last.ageMs),
          },
          id,
        );
      } else status = writeProblemDetails(res, 'NOT_READY', 'no usable provider or no head known yet', id, { instance: '/readyz' });
      finish(ROUTE.readyz, status, started, id, undefined);
    }),
  );

  app.get(
    '/providers',
    guard(log, (res, req) => {
      const started = performance.now();
      const id = ids.from(req.getHeader('x-request-id'));
      if (refused(res, req, ROUTE.providers, started, id, req.getUrl(), 'get', NO_HEADERS, true)) return;
      writeJson(res, 200, { network: upstream.network(), providers: upstream.snapshot() }, id);
      finish(ROUTE.providers, 200, started, id, undefined);
    }),
  );

  const serveMetrics = guard(log, (res, req) => {
    const started = performance.now();
    const id = ids.from(req.getHeader('x-request-id'));
    if (refused(res, req, ROUTE.metrics, started, id, req.getUrl(), 'get', NO_HEADERS, false)) return;
    let aborted = false;
    res.onAborted(() => (aborted = true));
    metrics.text().then(
      (text) => {
        if (aborted) return;
        res.cork(() => writeBody(res, 200, metrics.contentType, text, id));
        finish(ROUTE.metrics, 200, started, id, undefined);
      },
      (error: unknown) => {
        log.error({ reqId: id, err: String(error) }, 'metrics collection failed');
        if (aborted) return;
        res.cork(() => writeProblemDetails(res, 'INTERNAL', 'metrics collection failed', id));
        finish(ROUTE.metrics, 500, started, id, undefined);
      },
    );
  });

  const admin = config.adminPort === undefined ? undefined : uws.App();
  (admin ?? app).get('/metrics', serveMetrics);
  if (admin !== undefined) {
    apps.push(admin);
    admin.any(
      '/*',
      guard(log, (res, req) => {
        const started = performance.now();
        const id = ids.from(req.getHeader('x-request-id'));
        writeProblemDetails(res, 'NOT_FOUND', 'the admin port serves GET /metrics only', id);
        finish(ROUTE.unmatched, 404, started, id, undefined);
      }),
    );
  }

  if (cors !== undefined) {
    app.options(
      BALANCE_ROUTE,
      guard(log, (res, req) => {
        const started = performance.now();
        const id = ids.from(req.getHeader('x-request-id'));
        if (refused(res, req, ROUTE.preflight, started, id, req.getUrl(), 'options', NO_HEADERS, false)) return;
        writeEmpty(res, 204, id, cors.preflight(req.getHeader('origin')));
        finish(ROUTE.preflight, 204, started, id, undefined);
      }),
    );
  }

  const known: [string, number, boolean][] = [
    [BALANCE_ROUTE, ROUTE.balance, true],
    ['/healthz', ROUTE.healthz, false],
    ['/readyz', ROUTE.readyz, false],
    ['/providers', ROUTE.providers, true],
  ];
  if (admin === undefined) known.push(['/metrics', ROUTE.metrics, false]);
  for (const [path, route, admit] of known) {
    app.any(
      path,
      guard(log, (res, req) => {
        const started = performance.now();
        const id = ids.from(req.getHeader('x-request-id'));
        // Before getMethod(): this uWS build lowercases the method in place.
        const asSent = req.getCaseSensitiveMethod();
        const method = asSent.toLowerCase();
        const headers = route === ROUTE.balance ? corsHeaders(req) : NO_HEADERS;
        if (refused(res, req, route, started, id, req.getUrl(), method, headers, admit)) return;
        const upper = asSent.slice(0, 16).replace(/[^A-Za-z-]/g, '');
        const status = writeProblemDetails(res, 'METHOD_NOT_ALLOWED', `${upper} is not allowed here; use GET`, id, {
          headers: withHeaders(ALLOW_GET, headers),
          omitBody: method === 'head',
        });
        finish(route, status, started, id, undefined);
      }),
    );
  }

  app.any(
    '/*',
    guard(log, (res, req) => {
      const started = performance.now();
      const id = ids.from(req.getHeader('x-request-id'));
      const method = req.getCaseSensitiveMethod().toLowerCase();
      if (refused(res, req, ROUTE.unmatched, started, id, req.getUrl(), method, NO_HEADERS, true)) return;
      writeProblemDetails(res, 'NOT_FOUND', 'no such route; see GET /address/balance/:address', id, { omitBody: method === 'head' });
      finish(ROUTE.unmatched, 404, started, id, undefined);
    }),
  );

  const listenOn = (target: TemplatedApp, port: number) =>
    new Promise<number>((resolve, reject) => {
      target.listen(config.host, port, (socket) => {
        if (socket === false) {
          reject(new Error(`cannot listen on ${config.host}:${port}`));
          return;
        }
        listenSockets.push(socket);
        resolve(uws.us_socket_local_port(socket));
      });
    });

  const stopAccepting = () => {
    for (const socket of listenSockets.splice(0)) uws.us_listen_socket_close(socket);
  };

  const listen = async (): Promise<RunningServer> => {
    const port = await listenOn(app, config.port);
    let adminPort: number | undefined;
    if (admin !== undefined) {
      try {
        adminPort = await listenOn(admin, config.adminPort!);
      } catch (error) {
        stopAccepting();
        throw error;
      }
    }
    return {
      port,
      adminPort,
      app,
      inflight: () => inflight,
      stopAccepting,
      drain: async (timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        while (inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        return inflight === 0;
      },
      close: () => {
        stopAccepting();
        if (sweeper !== undefined) clearInterval(sweeper);
        for (const a of apps) (a as TemplatedApp & { close(): void }).close();
      },
    };
  };

  return { app, listen };
}

/** A handler that throws must not take the process down: answer 500 if the response is still open. */
function guard(log: Logger, handler: (res: HttpResponse, req: HttpRequest) => void): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    try {
      handler(res, req);
    } catch (error) {
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'handler threw');
      try {
        writeProblemDetails(res, 'INTERNAL', 'Unexpected error', 'unknown');
      } catch {
        // Already answered or aborted: nothing left to do.
      }
    }
  };
}

function logFailure(log: Logger, error: unknown, id: string, url: string): void {
  if (error instanceof ServiceError && error.status < 500) return;
  const detail = error instanceof ServiceError ? { code: error.code, detail: error.message, ...error.extra } : { err: String(error) };
  log.warn({ reqId: id, url: url.slice(0, 64), ...detail }, 'request failed');
}
