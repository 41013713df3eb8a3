/**
 * GET /address/balance/:address. A cache hit is answered synchronously in the handler's own tick;
 * anything that awaits (an address check on the pool, a cache miss) registers onAborted first and
 * writes inside res.cork, only if the client is still there.
 */
// perf_hooks' binding, not the global: the global `performance` is a lazy getter on every read.
import { performance } from 'node:perf_hooks';
import type { HttpRequest, HttpResponse } from './uws.js';
import type { BalanceService } from '../balance/balance-service.js';
import type { AddressCheck, AddressMemo } from '../codec/address.js';
import type { CodecRunner } from '../codec/codec-pool.js';
import type { ChecksumMode } from '../config/config.js';
import { errorLogFields, ServiceError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { ROUTE } from '../observability/metrics.js';
import type { RequestTrace, Tracing } from '../observability/tracing.js';
import type { RequestFlow } from './request-flow.js';
import { JSON_TYPE, writeBody, writeProblem, writeProblemDetails, type ExtraHeaders } from './responses.js';

export const BALANCE_ROUTE = '/address/balance/:address';
/** Client went away before the answer (nginx's convention); counted, never written. */
const CLIENT_CLOSED = 499;

export interface BalanceRouteDeps {
  readonly service: BalanceService;
  readonly memo: AddressMemo;
  readonly codec: CodecRunner;
  readonly inlineChecks: boolean;
  readonly checksumMode: ChecksumMode;
  readonly tracing: Tracing;
  readonly log: Logger;
}

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

export function balanceHandler(flow: RequestFlow, deps: BalanceRouteDeps): (res: HttpResponse, req: HttpRequest) => void {
  const { service, memo, codec, tracing, log } = deps;
  const recorder = flow.recorder;

  const checkInput = (input: string): AddressCheck | Promise<AddressCheck> => {
    const memoized = memo.get(input);
    if (memoized !== undefined) return memoized;
    if (deps.inlineChecks || input.length !== 42) return memo.check(input);
    return codec.run({ kind: 'check', input, mode: deps.checksumMode }).then((result) => {
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
    flow.finish(ROUTE.balance, status, started, id, trace);
  };

  const pendingFor = (res: HttpResponse, started: number, id: string, url: string, headers: ExtraHeaders, trace: RequestTrace | undefined) => {
    const pending = new Pending(res, started, id, url, headers, trace);
    res.onAborted(() => {
      pending.aborted = true;
      if (pending.done) return;
      pending.done = true;
      flow.finish(ROUTE.balance, CLIENT_CLOSED, started, id, trace);
    });
    return pending;
  };

  const failed = (pending: Pending, error: unknown): void => {
    logFailure(log, error, pending.id, pending.url);
    if (pending.aborted || pending.done) return;
    pending.done = true;
    let status = 500;
    pending.res.cork(() => (status = writeProblem(pending.res, error, pending.id, pending.url, pending.headers)));
    flow.finish(ROUTE.balance, status, pending.started, pending.id, pending.trace);
  };

  /**
   * A cache miss: waits for the read. The request id is passed down explicitly for the log lines
   * the read causes: an AsyncLocalStorage here turned on Node's promise hooks for the whole process,
   * which cost CPU on every miss and every hit (README, Performance).
   */
  const lookup = (pending: Pending, address: string): void => {
    flow.inflight++;
    recorder.inflight++;
    const settle = () => {
      flow.inflight--;
      recorder.inflight--;
    };
    const work = () => service.lookup(address, pending.id);
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
        flow.finish(ROUTE.balance, 200, pending.started, pending.id, pending.trace);
      },
      (error: unknown) => {
        settle();
        failed(pending, error);
      },
    );
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
    // The handler's start time doubles as `now`, unless a pooled address check came in between.
    const hit = service.tryHit(address, pending === undefined ? started : undefined);
    if (hit !== undefined) {
      if (trace !== undefined) trace.hit();
      if (pending !== undefined) pending.done = true;
      writeBody(res, 200, JSON_TYPE, hit, id, headers);
      flow.finish(ROUTE.balance, 200, started, id, trace);
      return;
    }
    lookup(pending ?? pendingFor(res, started, id, url, headers, trace), address);
  };

  return (res, req) => {
    const started = performance.now();
    const id = flow.id(req);
    const url = req.getUrl();
    const headers = flow.corsHeaders(req);
    if (flow.refused(res, req, ROUTE.balance, started, id, url, 'get', headers, true)) return;
    const trace = tracing.enabled
      ? tracing.startRequest('GET', BALANCE_ROUTE, id, req.getHeader('traceparent'), req.getHeader('tracestate'))
      : undefined;
    // getParameter, not a slice of the URL: a sliced string costs ~300 ns more to hash in the
    // memo's Map than the native call saves.
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
  };
}

function logFailure(log: Logger, error: unknown, id: string, url: string): void {
  if (error instanceof ServiceError && error.status < 500) return;
  log.warn({ reqId: id, url: url.slice(0, 64), ...errorLogFields(error) }, 'request failed');
}
