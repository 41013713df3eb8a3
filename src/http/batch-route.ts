/**
 * POST /address/balances: many addresses at one block. The handler moves bytes and answers; the
 * rules are in batch-body.ts (pure) and the reads in balance/balance-reader.ts.
 *
 * In the handler's own tick: the shape checks with the batch's byte bound (413 before a byte is
 * read), the API key and who pays (request-flow.ts, checks 'identify'), the content type (415),
 * then onAborted and onData. Once the body is in: its shape (400s), the address checks (memoized),
 * the rate-limit charge (a batch of n addresses counts n), and the read. Answers after an await
 * are written corked, only if the client is still there.
 */
import type { HttpRequest } from './uws.js';
import type { BlockTag } from '../chain/block-tag.js';
import { networkRefusal, type Networks } from '../balance/served-networks.js';
import type { AddressMemo } from '../codec/address.js';
import { ROUTE } from '../observability/metrics.js';
import { pooledChecks } from '../codec/batch-checks.js';
import type { CodecRunner } from '../codec/codec-pool.js';
import { checkBatchAddresses, collectChecks, isJsonContentType, maxBatchBodyBytes, parseBatchBody, type BatchRefusal, type CheckedBatch } from './batch-body.js';
import { readBody } from './read-body.js';
import type { RequestContext, RequestFlow, RouteHandler } from './request-flow.js';
import { VERIFY_PARAM_ERROR, verifyParam } from '../verify/verify-param.js';

export const BATCH_ROUTE = '/address/balances';

/** What the route needs from the balance service. */
export interface BalancesReader {
  /** The whole 200 body for `addresses` (EIP-55, request order) at the block `tag` resolves to. */
  balances(addresses: readonly string[], tag: BlockTag, requestId: string, verify?: boolean): Promise<string>;
}

export interface BatchRouteDeps {
  /** The body's `network` picks one (each network's reader is a BalancesReader); without it, the default. */
  readonly networks: Networks;
  readonly memo: AddressMemo;
  readonly maxAddresses: number;
  /** Checks a large batch's addresses on the pool (WORKERS > 0); without it, or small, inline. */
  readonly codec?: CodecRunner;
  /** VERIFY_PROOFS=on: verified unless the request says ?verify=false. */
  readonly verifyByDefault?: boolean;
}

export function batchHandler(flow: RequestFlow, deps: BatchRouteDeps): RouteHandler {
  const maxBody = maxBatchBodyBytes(deps.maxAddresses);
  const { networks, memo } = deps;

  /** Writes a refusal (corked by the caller when after an await) and counts the request. */
  const refuse = (ctx: RequestContext, r: { code: BatchRefusal['code'] | 'UNKNOWN_NETWORK' | 'VERIFY_UNSUPPORTED'; detail: string; extra?: Readonly<Record<string, unknown>> | undefined }, close = false) =>
    flow.refuse(ctx, r.code, r.detail, { instance: BATCH_ROUTE, extra: r.extra, close });

  const read = (ctx: RequestContext, reader: BalancesReader, addresses: readonly string[], tag: BlockTag) => {
    flow.respond(ctx, () => reader.balances(addresses, tag, ctx.requestId, ctx.verify));
  };

  const received = (ctx: RequestContext, body: Buffer) => {
    if (!ctx.open) return;
    const shape = parseBatchBody(body.toString('utf8'), deps.maxAddresses);
    if (!shape.ok) return ctx.res.cork(() => refuse(ctx, shape));
    const network = networks.pick(shape.network);
    if (!network.ok) return ctx.res.cork(() => refuse(ctx, { code: 'UNKNOWN_NETWORK', detail: network.detail, extra: { networks: networks.names } }));
    const refusal = networkRefusal(network.network, shape.tag, ctx.verify);
    if (refusal !== undefined) return ctx.res.cork(() => refuse(ctx, refusal));
    const reader = network.network.reader;
    const pooled = deps.codec === undefined ? undefined : pooledChecks(shape.inputs, memo, deps.codec);
    if (pooled === undefined) return admit(ctx, reader, checkBatchAddresses(shape.inputs, (input) => memo.check(input)), shape.tag);
    pooled.then(
      (checks) => ctx.open && admit(ctx, reader, collectChecks(checks), shape.tag),
      (error: unknown) => flow.fail(ctx, error),
    );
  };

  const admit = (ctx: RequestContext, reader: BalancesReader, checked: CheckedBatch | BatchRefusal, tag: BlockTag) => {
    if (!checked.ok) return ctx.res.cork(() => refuse(ctx, checked));
    // One token was taken with the headers; the rest of the batch's n now.
    const limited = checked.addresses.length > 1 ? flow.charge(ctx, checked.addresses.length - 1) : undefined;
    if (limited !== undefined) {
      ctx.res.cork(() => flow.refuse(ctx, limited.code, limited.detail, { instance: BATCH_ROUTE, extra: limited.extra, headers: limited.headers }));
      return;
    }
    read(ctx, reader, checked.addresses, tag);
  };

  return flow.handler(ROUTE.balances, { method: 'post', checks: 'identify', maxBody, cors: true }, (ctx: RequestContext, req: HttpRequest) => {
    const verify = verifyParam(req.getQuery('verify'), deps.verifyByDefault === true);
    if (verify === undefined) {
      // The body stays unread: close the connection after the answer.
      flow.refuse(ctx, 'BAD_REQUEST', VERIFY_PARAM_ERROR, { instance: BATCH_ROUTE, close: true });
      return;
    }
    ctx.verify = verify;
    const contentType = req.getHeader('content-type');
    if (!isJsonContentType(contentType)) {
      // The body stays unread: close the connection after the answer.
      refuse(ctx, { code: 'UNSUPPORTED_MEDIA_TYPE', detail: `send the body as application/json, not ${JSON.stringify(contentType.slice(0, 80))}` }, true);
      return;
    }
    // A token before the body is read, so refused or malformed batches are not free either.
    const first = flow.charge(ctx, 1);
    if (first !== undefined) {
      flow.refuse(ctx, first.code, first.detail, { instance: BATCH_ROUTE, extra: first.extra, headers: first.headers, close: true });
      return;
    }
    flow.awaiting(ctx);
    readBody(ctx.res, maxBody, {
      tooLarge: () => ctx.res.cork(() => refuse(ctx, { code: 'PAYLOAD_TOO_LARGE', detail: `a batch body is at most ${maxBody} bytes` }, true)),
      done: (body) => received(ctx, body),
    });
  });
}
