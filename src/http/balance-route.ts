/**
 * GET /address/balance/:address. A cache hit is answered synchronously in the handler's own tick;
 * anything that awaits (an address check on the pool, a cache miss) registers onAborted first and
 * writes inside res.cork, only if the client is still there.
 */
import type { HttpRequest } from './uws.js';
import { parseBlockTag } from '../chain/block-tag.js';
import type { BalanceReader } from '../balance/balance-reader.js';
import { networkRefusal, type Networks } from '../balance/served-networks.js';
import type { AddressCheck, AddressMemo, AddressRejection } from '../codec/address.js';
import type { CodecRunner } from '../codec/codec-pool.js';
import type { ChecksumMode } from '../config/config.js';
import { ROUTE } from '../observability/metrics.js';
import type { Tracing } from '../observability/request-trace.js';
import type { RequestContext, RequestFlow, RouteHandler } from './request-flow.js';
import { JSON_TYPE } from './responses.js';
import { VERIFY_PARAM_ERROR, verifyParam } from '../verify/verify-param.js';

export const BALANCE_ROUTE = '/address/balance/:address';

export interface BalanceRouteDeps {
  /** `?network=` picks one; without it, the default network's reader answers. */
  readonly networks: Networks;
  readonly memo: AddressMemo;
  readonly codec: CodecRunner;
  readonly inlineChecks: boolean;
  readonly checksumMode: ChecksumMode;
  readonly tracing: Tracing;
  /** VERIFY_PROOFS=on: verified unless the request says ?verify=false. */
  readonly verifyByDefault: boolean;
}

export function balanceHandler(flow: RequestFlow, deps: BalanceRouteDeps): RouteHandler {
  const { networks, memo, codec, tracing } = deps;
  const defaultReader = networks.default.reader;
  // A request without a query string on the default network: refused up front when that network
  // cannot serve it (VERIFY_PROOFS=on on a chain without state proofs), decided once here.
  const defaultRefusal = networkRefusal(networks.default, undefined, deps.verifyByDefault);

  const checkInput = (input: string): AddressCheck | Promise<AddressCheck> => {
    const memoized = memo.get(input);
    if (memoized !== undefined) return memoized;
    if (deps.inlineChecks || input.length !== 42) return memo.check(input);
    return codec.run({ kind: 'check', input, mode: deps.checksumMode }).then((result) => {
      memo.remember(input, result);
      return result;
    });
  };

  const rejectCheck = (ctx: RequestContext, check: AddressRejection) => {
    const extra = check.checksummed === undefined ? undefined : { checksummed: check.checksummed };
    flow.refuse(ctx, check.code, check.detail, { instance: ctx.url, extra });
  };

  /**
   * A cache miss: waits for the read. The context goes down as the lookup's request (its id for
   * the log lines the read causes): an AsyncLocalStorage here turned on Node's promise hooks for
   * the whole process, which cost CPU on every miss and every hit (bench/README.md, "What profiling changed on the request path").
   */
  const lookup = (ctx: RequestContext, service: BalanceReader, address: string): void => {
    const work = () => service.lookup(address, ctx);
    flow.respond(ctx, ctx.trace === undefined ? work : () => ctx.trace!.lookup(work));
  };

  /** Answers a balance whose address check is done: from the cache at once, or after a read. */
  const answer = (ctx: RequestContext, service: BalanceReader, address: string, awaited: boolean) => {
    // The handler's start time doubles as `now`, unless a pooled address check came in between.
    const hit = service.tryHit(address, awaited ? undefined : ctx.started, ctx);
    if (hit !== undefined) {
      if (ctx.trace !== undefined) ctx.trace.hit();
      flow.reply(ctx, 200, JSON_TYPE, hit);
      return;
    }
    if (!awaited) flow.awaiting(ctx);
    lookup(ctx, service, address);
  };

  /**
   * `verify` and `blockTag` into the context, and the network's reader; answers a 400 and returns
   * undefined when one is bad or the network cannot serve the read.
   */
  const readQuery = (ctx: RequestContext, req: HttpRequest): BalanceReader | undefined => {
    const verify = verifyParam(req.getQuery('verify'), deps.verifyByDefault);
    if (verify === undefined) {
      flow.refuse(ctx, 'BAD_REQUEST', VERIFY_PARAM_ERROR, { instance: ctx.url });
      return undefined;
    }
    ctx.verify = verify;
    const network = networks.fromQuery(req.getQuery('network'));
    if (!network.ok) {
      flow.refuse(ctx, 'UNKNOWN_NETWORK', network.detail, { instance: ctx.url, extra: { networks: networks.names } });
      return undefined;
    }
    const tagInput = req.getQuery('blockTag');
    if (tagInput !== undefined) {
      const parsed = parseBlockTag(tagInput);
      if (!parsed.ok) {
        flow.refuse(ctx, 'INVALID_BLOCK_TAG', parsed.detail, { instance: ctx.url });
        return undefined;
      }
      ctx.tag = parsed.tag;
    }
    const refusal = networkRefusal(network.network, ctx.tag, verify);
    if (refusal !== undefined) {
      flow.refuse(ctx, refusal.code, refusal.detail, { instance: ctx.url });
      return undefined;
    }
    return network.network.reader;
  };

  return flow.handler(ROUTE.balance, { method: 'get', checks: 'admit', cors: true }, (ctx: RequestContext, req: HttpRequest) => {
    if (tracing.enabled) {
      ctx.trace = tracing.startRequest('GET', BALANCE_ROUTE, ctx.requestId, req.getHeader('traceparent'), req.getHeader('tracestate'));
    }
    // One native call on the hot path: the parameters are read only when there is a query string.
    ctx.verify = deps.verifyByDefault;
    const query = req.getQuery();
    let service = defaultReader;
    if (query !== undefined && query !== '') {
      const picked = readQuery(ctx, req);
      if (picked === undefined) return;
      service = picked;
    } else if (defaultRefusal !== undefined) {
      flow.refuse(ctx, defaultRefusal.code, defaultRefusal.detail, { instance: ctx.url });
      return;
    }
    // getParameter, not a slice of the URL: a sliced string costs ~300 ns more to hash in the
    // memo's Map than the native call saves.
    const check = checkInput(req.getParameter(0) ?? '');
    if (!(check instanceof Promise)) {
      if (check.ok) answer(ctx, service, check.address, false);
      else rejectCheck(ctx, check);
      return;
    }
    flow.awaiting(ctx);
    check.then(
      (result) =>
        flow.later(ctx, () => {
          if (result.ok) answer(ctx, service, result.address, true);
          else rejectCheck(ctx, result);
        }),
      (error: unknown) => flow.fail(ctx, error),
    );
  });
}
