/**
 * GET /watch: the WebSocket route and the hub of its connections. The upgrade is refused, with a
 * problem+json answer and before any socket exists, for another origin (403), a missing or
 * unknown API key (401) and past WATCH_MAX_CONNECTIONS (503). Frames are read by the connection
 * (connection.ts); each network's rounds by its NetworkWatch.
 *
 * uWS drops a frame over `maxPayloadLength` without a close frame and drops sends past
 * `maxBackpressure` (the close frame too), so both are set well above our own limits and the
 * connection enforces those itself (1009, 1013). Server pings keep an idle connection alive under
 * the load balancer's idle timeout (cdktf/constructs/alb.ts: 9 s): uWS pings after 4-8 s of silence
 * with idleTimeout 8.
 */
import type { TemplatedApp } from '../http/uws.js';
import type { AddressMemo } from '../codec/address.js';
import type { WatchConfig } from '../config/watch-config.js';
import { AccessControl, type Payer } from '../http/admission.js';
import { RequestIds } from '../http/request-id.js';
import { writeProblemDetails } from '../http/responses.js';
import type { Logger } from '../observability/logger.js';
import type { Config } from '../config/config.js';
import { maxBatchBodyBytes } from '../http/batch-body.js';
import type { HttpRecorder } from '../observability/metrics.js';
import type { Registry } from 'prom-client';
import { CLOSE } from './messages.js';
import { WatchConnection, type SocketData } from './connection.js';
import { NetworkWatch, type WatchNetwork } from './network-watch.js';
import { offeredProtocols, originAllowed } from './upgrade-checks.js';
import { registerWatchMetrics } from './watch-metrics.js';

export const WATCH_ROUTE = '/watch';
/** Seconds of silence before uWS pings (4-8 s with its 4 s timer granularity) and then gives up. */
export const WATCH_IDLE_TIMEOUT_SECONDS = 8;

export interface WatchDeps {
  readonly config: Pick<Config, 'watch' | 'corsOrigins' | 'apiKeys' | 'rateLimitRps' | 'rateLimitBurst' | 'rateLimitMaxClients' | 'trustedProxyHops'>;
  readonly memo: AddressMemo;
  /** The network a subscribe names (undefined: the default); undefined when none matches. */
  readonly resolveNetwork: (ref: string | number | undefined) => WatchNetwork | undefined;
  /** Names of the served networks (UNKNOWN_NETWORK's detail). */
  readonly networkNames: () => readonly string[];
  readonly registry: Registry;
  readonly http: HttpRecorder;
  readonly log: Logger;
}

export interface WatchHub {
  /** Open connections. */
  connections(): number;
  /** Closes every socket with 1001 (SIGTERM) and stops following heads. */
  close(): void;
}

export function registerWatch(app: TemplatedApp, deps: WatchDeps): WatchHub {
  const { config, log } = deps;
  const limits: WatchConfig = config.watch;
  const access = AccessControl.needed(config as Config) ? new AccessControl(config as Config, deps.http) : undefined;
  const ids = new RequestIds();
  const sockets = new Set<WatchConnection>();
  const watches = new Map<WatchNetwork, NetworkWatch>();
  let upgrading = 0;
  let closing = false;

  const recorder = registerWatchMetrics(deps.registry, {
    connections: () => sockets.size,
    networks: () => [...watches.values()].map((w) => ({ network: w.network.name, ...w.counts() })),
  });
  const watchOf = (ref: string | number | undefined): NetworkWatch | undefined => {
    const network = deps.resolveNetwork(ref);
    if (network === undefined) return undefined;
    let watch = watches.get(network);
    if (watch === undefined) watches.set(network, (watch = new NetworkWatch(network, recorder, log)));
    return watch;
  };
  const maxFrameBytes = maxBatchBodyBytes(limits.maxAddresses);
  const connectionDeps = {
    memo: deps.memo,
    maxAddresses: limits.maxAddresses,
    maxSubscriptions: limits.maxSubscriptions,
    maxBackpressureBytes: limits.maxBackpressureBytes,
    maxFrameBytes,
    network: watchOf,
    networkNames: deps.networkNames,
    charge: (payer: Payer, n: number) => access?.charge(payer, n, performance.now()),
    recorder,
    log,
  };

  app.ws<SocketData>(WATCH_ROUTE, {
    // Far above our own bounds, so ours answer (1009, 1013) before uWS drops anything silently.
    maxPayloadLength: 4 * maxFrameBytes,
    maxBackpressure: 2 * limits.maxBackpressureBytes + 256 * limits.maxAddresses + 65_536,
    closeOnBackpressureLimit: false,
    idleTimeout: WATCH_IDLE_TIMEOUT_SECONDS,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const requestId = ids.from(req.getHeader('x-request-id'));
      const refuse = (code: 'ORIGIN_NOT_ALLOWED' | 'TOO_MANY_CONNECTIONS' | 'UNAUTHORIZED', detail: string) =>
        void res.cork(() => writeProblemDetails(res, code, detail, requestId, { instance: WATCH_ROUTE }));
      const origin = req.getHeader('origin');
      if (!originAllowed(origin, config.corsOrigins)) return refuse('ORIGIN_NOT_ALLOWED', `origin ${JSON.stringify(origin.slice(0, 100))} may not open a watch connection`);
      if (closing || sockets.size + upgrading >= limits.maxConnections) {
        return refuse('TOO_MANY_CONNECTIONS', closing ? 'this task is shutting down: connect again' : `this task holds its limit of ${limits.maxConnections} watch connections`);
      }
      const offered = offeredProtocols(req.getHeader('x-api-key'), req.getHeader('sec-websocket-protocol'));
      let payer: Payer = undefined;
      if (access !== undefined) {
        let found: ReturnType<AccessControl['identify']> | undefined;
        for (const key of offered.keys.length === 0 ? [''] : offered.keys) {
          found = access.identify(res, req, key);
          if ('payer' in found) break;
        }
        if (found !== undefined && 'refusal' in found) {
          return refuse('UNAUTHORIZED', 'send a valid API key in the x-api-key header, or (browsers) as the subprotocol "api-key.<key>" next to "balance-api"');
        }
        payer = found !== undefined && 'payer' in found ? found.payer : undefined;
      }
      upgrading++;
      res.upgrade<SocketData>(
        { payer, requestId },
        req.getHeader('sec-websocket-key'),
        offered.answer,
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      upgrading--;
      const data = ws.getUserData();
      const connection = new WatchConnection(ws, connectionDeps, data.requestId, data.payer);
      data.connection = connection;
      sockets.add(connection);
      if (closing) connection.close(CLOSE.GOING_AWAY, 'server shutting down: reconnect');
    },
    message: (ws, message, isBinary) => ws.getUserData().connection?.received(message, isBinary),
    close: (ws) => {
      const connection = ws.getUserData().connection;
      if (connection === undefined) return;
      sockets.delete(connection);
      connection.closed();
    },
  });

  return {
    connections: () => sockets.size,
    close: () => {
      closing = true;
      for (const connection of sockets) connection.close(CLOSE.GOING_AWAY, 'server shutting down: reconnect');
      for (const watch of watches.values()) watch.close();
    },
  };
}
