/**
 * The uWS apps (main, and admin when ADMIN_PORT is set): routes, the drain on shutdown. No business
 * logic. The balance route is in balance-route.ts; what every route does around its own work
 * (request id, admission, counting) is in request-flow.ts.
 *
 * The cache-hit path stays close to a bare uWS handler: a header read and a counter for the request
 * id, two empty-header checks for a body, two clock reads and a typed-array increment for metrics,
 * and one writeHeader call for all common headers. Everything else (API keys, rate limits, CORS,
 * tracing) costs nothing unless configured.
 */
import { uws } from './uws.js';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from './uws.js';
import type { BalanceService } from '../balance/balance-service.js';
import type { AddressMemo } from '../codec/address.js';
import type { CodecRunner } from '../codec/codec-pool.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { ROUTE, type Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import type { Upstream } from '../router/upstream.js';
import { BALANCE_ROUTE, balanceHandler } from './balance-route.js';
import { RequestFlow } from './request-flow.js';
import { JSON_TYPE, NO_HEADERS, writeBody, writeEmpty, writeJson, writeProblemDetails, withHeaders, type ExtraHeaders } from './responses.js';

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

const HEALTHY = Buffer.from(JSON.stringify({ status: 'ok' }));
const ALLOW_GET: ExtraHeaders = Object.freeze([Object.freeze(['allow', 'GET'] as const)]);

export function createServer(deps: ServerDeps): { app: TemplatedApp; listen: () => Promise<RunningServer> } {
  const { config, upstream, log, metrics } = deps;
  const app = uws.App();
  const flow = new RequestFlow(config, metrics.http, log);
  const { cors } = flow;
  const finish = flow.finish.bind(flow);
  const refused = flow.refused.bind(flow);
  const listenSockets: us_listen_socket[] = [];
  const apps: TemplatedApp[] = [app];

  app.get(
    BALANCE_ROUTE,
    guard(
      log,
      balanceHandler(flow, {
        service: deps.service,
        memo: deps.memo,
        codec: deps.codec,
        inlineChecks: deps.inlineChecks,
        checksumMode: config.addressChecksum,
        tracing: deps.tracing,
        log,
      }),
    ),
  );

  app.get(
    '/healthz',
    guard(log, (res, req) => {
      const started = performance.now();
      const id = flow.id(req);
      if (refused(res, req, ROUTE.healthz, started, id, req.getUrl(), 'get', NO_HEADERS, false)) return;
      writeBody(res, 200, JSON_TYPE, HEALTHY, id);
      finish(ROUTE.healthz, 200, started, id, undefined);
    }),
  );

  app.get(
    '/readyz',
    guard(log, (res, req) => {
      const started = performance.now();
      const id = flow.id(req);
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
      const id = flow.id(req);
      if (refused(res, req, ROUTE.providers, started, id, req.getUrl(), 'get', NO_HEADERS, true)) return;
      writeJson(res, 200, { network: upstream.network(), providers: upstream.snapshot() }, id);
      finish(ROUTE.providers, 200, started, id, undefined);
    }),
  );

  const serveMetrics = guard(log, (res, req) => {
    const started = performance.now();
    const id = flow.id(req);
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
        const id = flow.id(req);
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
        const id = flow.id(req);
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
        const id = flow.id(req);
        // Before getMethod(): this uWS build lowercases the method in place.
        const asSent = req.getCaseSensitiveMethod();
        const method = asSent.toLowerCase();
        const headers = route === ROUTE.balance ? flow.corsHeaders(req) : NO_HEADERS;
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
      const id = flow.id(req);
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
      inflight: () => flow.inflight,
      stopAccepting,
      drain: async (timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        while (flow.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        return flow.inflight === 0;
      },
      close: () => {
        stopAccepting();
        flow.close();
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
