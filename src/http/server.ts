/**
 * The uWS app: routes, response writing and the drain on shutdown. No business logic here.
 * uWS rules: register onAborted before the first await, copy what is needed from `req` before it,
 * and after an await write only inside res.cork and only if the client is still there.
 */
import uws from 'uWebSockets.js';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { BalanceService } from '../balance/balance-service.js';
import type { AddressCheck, AddressMemo } from '../codec/address.js';
import type { CodecRunner } from '../codec/codec-pool.js';
import type { Config } from '../config/config.js';
import { ServiceError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Upstream } from '../router/upstream.js';
import { problem, writeBody, writeJson, writeProblem } from './responses.js';

export interface ServerDeps {
  readonly config: Config;
  readonly service: BalanceService;
  readonly upstream: Upstream;
  readonly memo: AddressMemo;
  readonly codec: CodecRunner;
  readonly inlineChecks: boolean;
  readonly log: Logger;
}

export interface RunningServer {
  readonly port: number;
  readonly app: TemplatedApp;
  /** Requests answered asynchronously and not finished yet. */
  inflight(): number;
  /** Closes the listen socket; in-flight requests go on. */
  stopAccepting(): void;
  /** Resolves true once nothing is in flight, false if the timeout came first. */
  drain(timeoutMs: number): Promise<boolean>;
}

const MAX_URL_LENGTH = 2048;
const JSON_TYPE = 'application/json';

export function createServer(deps: ServerDeps): { app: TemplatedApp; listen: () => Promise<RunningServer> } {
  const { config, service, upstream, memo, codec, log } = deps;
  const app = uws.App();
  let inflight = 0;
  let listenSocket: us_listen_socket | false = false;

  const checkInput = (input: string): AddressCheck | Promise<AddressCheck> => {
    const memoized = memo.get(input);
    if (memoized !== undefined) return memoized;
    if (deps.inlineChecks || input.length !== 42) return memo.check(input);
    return codec.run({ kind: 'check', input, mode: config.addressChecksum }).then((result) => {
      memo.remember(input, result as AddressCheck);
      return result as AddressCheck;
    });
  };

  const rejectCheck = (res: HttpResponse, check: Exclude<AddressCheck, { ok: true }>, url: string) => {
    const extra = check.checksummed === undefined ? undefined : { checksummed: check.checksummed };
    writeProblem(res, problem(check.code, check.detail, extra), url);
  };

  /** Answers a balance whose address check is done; the only path that may await. */
  const answer = (res: HttpResponse, address: string, url: string) => {
    const hit = service.tryHit(address);
    if (hit !== undefined) {
      writeBody(res, 200, JSON_TYPE, hit);
      return;
    }
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    inflight++;
    service.lookup(address).then(
      (body) => {
        inflight--;
        if (!aborted) res.cork(() => writeBody(res, 200, JSON_TYPE, body));
      },
      (error: unknown) => {
        inflight--;
        logFailure(log, error, url);
        if (!aborted) res.cork(() => writeProblem(res, error, url));
      },
    );
  };

  app.get('/address/balance/:address', (res, req) => {
    const url = req.getUrl();
    if (url.length > MAX_URL_LENGTH) {
      writeProblem(res, problem('URI_TOO_LONG', `the URL is longer than ${MAX_URL_LENGTH} characters`));
      return;
    }
    const input = req.getParameter(0) ?? '';
    const check = checkInput(input);
    if (!(check instanceof Promise)) {
      if (check.ok) answer(res, check.address, url);
      else rejectCheck(res, check, url);
      return;
    }
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    check.then(
      (result) => {
        if (aborted) return;
        res.cork(() => (result.ok ? answer(res, result.address, url) : rejectCheck(res, result, url)));
      },
      (error: unknown) => {
        logFailure(log, error, url);
        if (!aborted) res.cork(() => writeProblem(res, error, url));
      },
    );
  });

  app.get('/healthz', (res) => writeJson(res, 200, { status: 'ok' }));

  app.get('/readyz', (res) => {
    const last = upstream.lastHead();
    if (upstream.ready()) {
      writeJson(res, 200, {
        status: 'ready',
        network: upstream.network(),
        headBlockNumber: last?.head.numberHex,
        headAgeMs: last === undefined ? undefined : Math.round(last.ageMs),
      });
    }
    else writeProblem(res, problem('NOT_READY', 'no usable provider or no head known yet'), '/readyz');
  });

  app.get('/providers', (res) => writeJson(res, 200, { network: upstream.network(), providers: upstream.snapshot() }));

  for (const path of ['/address/balance/:address', '/healthz', '/readyz', '/providers']) {
    app.any(path, (res, req) => {
      writeProblem(res, problem('METHOD_NOT_ALLOWED', `${req.getCaseSensitiveMethod()} is not allowed here; use GET`), undefined, [
        ['allow', 'GET'],
      ]);
    });
  }

  app.any('/*', (res, req: HttpRequest) => {
    const url = req.getUrl();
    if (url.length > MAX_URL_LENGTH) {
      writeProblem(res, problem('URI_TOO_LONG', `the URL is longer than ${MAX_URL_LENGTH} characters`));
      return;
    }
    writeProblem(res, problem('NOT_FOUND', 'no such route; see GET /address/balance/:address'));
  });

  const listen = () =>
    new Promise<RunningServer>((resolve, reject) => {
      app.listen(config.host, config.port, (socket) => {
        if (socket === false) {
          reject(new Error(`cannot listen on ${config.host}:${config.port}`));
          return;
        }
        listenSocket = socket;
        resolve({
          port: uws.us_socket_local_port(socket),
          app,
          inflight: () => inflight,
          stopAccepting: () => {
            if (listenSocket !== false) uws.us_listen_socket_close(listenSocket);
            listenSocket = false;
          },
          drain: async (timeoutMs) => {
            const deadline = Date.now() + timeoutMs;
            while (inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
            return inflight === 0;
          },
        });
      });
    });

  return { app, listen };
}

function logFailure(log: Logger, error: unknown, url: string): void {
  if (error instanceof ServiceError && error.status < 500) return;
  const detail = error instanceof ServiceError ? { code: error.code, detail: error.message, ...error.extra } : { err: String(error) };
  log.warn({ url: url.slice(0, 64), ...detail }, 'request failed');
}
