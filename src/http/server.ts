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
import type { TemplatedApp, us_listen_socket } from './uws.js';
import type { Networks } from '../balance/served-networks.js';
import type { AddressMemo } from '../codec/address.js';
import type { CodecRunner } from '../codec/codec-pool.js';
import type { Config } from '../config/config.js';
import { errorLogFields, ServiceError, setProblemTypeBase } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { ROUTE, type Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/request-trace.js';
import { BALANCE_ROUTE, balanceHandler } from './balance-route.js';
import { BATCH_ROUTE, batchHandler } from './batch-route.js';
import { providersBody, readiness } from './network-status.js';
import { DOCS_ROUTE, registerDocs } from './docs-route.js';
import { openApiBody } from './openapi.js';
import { PROBLEMS_ROUTE, registerProblems } from './problems-route.js';
import { RequestFlow, type RequestContext, type RouteOptions } from './request-flow.js';
import { JSON_TYPE, type ExtraHeaders } from './responses.js';
import { ASYNCAPI_ROUTE, registerAsyncApi } from '../watch/asyncapi-route.js';
import { registerWatch, type WatchDeps, type WatchHub } from '../watch/watch-route.js';

export interface ServerDeps {
  readonly config: Config;
  /** Every served network with its router and reader, the default first. */
  readonly networks: Networks;
  readonly memo: AddressMemo;
  readonly codec: CodecRunner;
  readonly inlineChecks: boolean;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly tracing: Tracing;
  /** GET /watch: which networks it serves (app.ts). */
  readonly watch?: Pick<WatchDeps, 'resolveNetwork' | 'networkNames'>;
}

export interface RunningServer {
  readonly port: number;
  /** Where /metrics is served when ADMIN_PORT is set. */
  readonly adminPort: number | undefined;
  readonly app: TemplatedApp;
  /** GET /watch's connections (closed with 1001 on shutdown, before the drain). */
  readonly watch: WatchHub | undefined;
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
const allow = (methods: string): ExtraHeaders => Object.freeze([Object.freeze(['allow', methods] as const)]);

export function createServer(deps: ServerDeps): { app: TemplatedApp; listen: () => Promise<RunningServer> } {
  const { config, networks, log, metrics } = deps;
  const app = uws.App();
  const flow = new RequestFlow(config, metrics.http, log);
  const listenSockets: us_listen_socket[] = [];
  const apps: TemplatedApp[] = [app];

  app.get(
    BALANCE_ROUTE,
    balanceHandler(flow, {
      networks,
      memo: deps.memo,
      codec: deps.codec,
      inlineChecks: deps.inlineChecks,
      checksumMode: config.addressChecksum,
      tracing: deps.tracing,
      verifyByDefault: config.verifyProofs,
    }),
  );

  app.post(
    BATCH_ROUTE,
    batchHandler(flow, { networks, memo: deps.memo, codec: deps.codec, maxAddresses: config.batchMaxAddresses, verifyByDefault: config.verifyProofs }),
  );

  setProblemTypeBase(config.publicBaseUrl);
  const openapi = openApiBody({
    batchMaxAddresses: config.batchMaxAddresses,
    upstreamBatchMax: config.upstreamBatchMax,
    apiKeys: config.apiKeys.length > 0,
    docs: config.docs,
    publicBaseUrl: config.publicBaseUrl,
  });
  app.get(
    '/openapi.json',
    flow.handler(ROUTE.openapi, { method: 'get', checks: 'shape' }, (ctx) => {
      flow.reply(ctx, 200, JSON_TYPE, openapi);
    }),
  );

  const watch = deps.watch === undefined ? undefined : registerWatch(app, { ...deps.watch, config, memo: deps.memo, registry: metrics.registry, http: metrics.http, log });

  registerAsyncApi(app, flow, { ...config.watch, apiKeys: config.apiKeys.length > 0, publicBaseUrl: config.publicBaseUrl });

  if (config.docs) registerDocs(app, flow, 'balance-api');
  registerProblems(app, flow, config.docs);

  app.get(
    '/healthz',
    flow.handler(ROUTE.healthz, { method: 'get', checks: 'shape' }, (ctx) => {
      flow.reply(ctx, 200, JSON_TYPE, HEALTHY);
    }),
  );

  app.get(
    '/readyz',
    flow.handler(ROUTE.readyz, { method: 'get', checks: 'shape' }, (ctx) => {
      const ready = readiness(networks);
      if (!ready.ready) {
        const detail = 'no usable provider or no head known yet';
        return flow.refuse(ctx, 'NOT_READY', networks.all.length === 1 ? detail : `${detail} on the default network`, {
          instance: '/readyz',
          ...(networks.all.length === 1 ? {} : { extra: { networks: ready.body.networks } }),
        });
      }
      flow.reply(ctx, 200, JSON_TYPE, JSON.stringify(ready.body));
    }),
  );

  app.get(
    '/providers',
    flow.handler(ROUTE.providers, { method: 'get', checks: 'admit' }, (ctx) => {
      flow.reply(ctx, 200, JSON_TYPE, JSON.stringify(providersBody(networks)));
    }),
  );

  const collectMetrics = (ctx: RequestContext) => () =>
    metrics.text().catch((error: unknown) => {
      log.error({ reqId: ctx.requestId, ...errorLogFields(error) }, 'metrics collection failed');
      throw new ServiceError('INTERNAL', 'metrics collection failed');
    });
  const serveMetrics = flow.handler(ROUTE.metrics, { method: 'get', checks: 'shape' }, (ctx) => {
    flow.awaiting(ctx);
    flow.respond(ctx, collectMetrics(ctx), metrics.contentType);
  });

  const admin = config.adminPort === undefined ? undefined : uws.App();
  (admin ?? app).get('/metrics', serveMetrics);
  if (admin !== undefined) {
    apps.push(admin);
    admin.any(
      '/*',
      flow.handler(ROUTE.unmatched, { method: 'any', checks: 'none' }, (ctx) => {
        flow.refuse(ctx, 'NOT_FOUND', 'the admin port serves GET /metrics only');
      }),
    );
  }

  const cors = flow.cors;
  if (cors !== undefined) {
    app.options(
      BALANCE_ROUTE,
      flow.handler(ROUTE.preflight, { method: 'options', checks: 'shape' }, (ctx, req) => {
        flow.replyEmpty(ctx, 204, cors.preflight(req.getHeader('origin')));
      }),
    );
    app.options(
      BATCH_ROUTE,
      flow.handler(ROUTE.preflight, { method: 'options', checks: 'shape' }, (ctx, req) => {
        flow.replyEmpty(ctx, 204, cors.preflight(req.getHeader('origin'), true));
      }),
    );
  }

  const known: [string, number, RouteOptions, string][] = [
    [BALANCE_ROUTE, ROUTE.balance, { method: 'any', checks: 'admit', cors: true }, 'GET'],
    [BATCH_ROUTE, ROUTE.balances, { method: 'any', checks: 'admit', cors: true }, 'POST'],
    ['/openapi.json', ROUTE.openapi, { method: 'any', checks: 'shape' }, 'GET'],
    [ASYNCAPI_ROUTE, ROUTE.asyncapi, { method: 'any', checks: 'shape' }, 'GET'],
    ['/healthz', ROUTE.healthz, { method: 'any', checks: 'shape' }, 'GET'],
    ['/readyz', ROUTE.readyz, { method: 'any', checks: 'shape' }, 'GET'],
    ['/providers', ROUTE.providers, { method: 'any', checks: 'admit' }, 'GET'],
    [PROBLEMS_ROUTE, ROUTE.problems, { method: 'any', checks: 'shape' }, 'GET'],
    [`${PROBLEMS_ROUTE}/:name`, ROUTE.problems, { method: 'any', checks: 'shape' }, 'GET'],
  ];
  if (config.docs) known.push([DOCS_ROUTE, ROUTE.docs, { method: 'any', checks: 'shape' }, 'GET'], [`${DOCS_ROUTE}/:name`, ROUTE.docs, { method: 'any', checks: 'shape' }, 'GET']);
  if (admin === undefined) known.push(['/metrics', ROUTE.metrics, { method: 'any', checks: 'shape' }, 'GET']);
  for (const [path, route, options, methods] of known) {
    const allowed = allow(methods);
    app.any(
      path,
      flow.handler(route, options, (ctx, req) => {
        // The method as sent (open() read it before anything could lowercase it in place).
        const upper = req.getCaseSensitiveMethod().slice(0, 16).replace(/[^A-Za-z-]/g, '');
        flow.refuse(ctx, 'METHOD_NOT_ALLOWED', `${upper} is not allowed here; use ${methods}`, { headers: allowed, omitBody: ctx.method === 'head' });
      }),
    );
  }

  app.any(
    '/*',
    flow.handler(ROUTE.unmatched, { method: 'any', checks: 'admit' }, (ctx) => {
      flow.refuse(ctx, 'NOT_FOUND', 'no such route; see GET /address/balance/:address', { omitBody: ctx.method === 'head' });
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
      watch,
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
