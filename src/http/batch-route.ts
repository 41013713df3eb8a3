/**
 * POST /address/balances: many addresses at one block. The handler moves bytes and answers; the
 * rules are in batch-body.ts (pure) and the reads in the balance service.
 *
 * In the handler's own tick: the content type (415), the declared length (413 before a byte is
 * read), API key and rate limit (one token now), then onAborted and onData. Once the body is in:
 * its shape (400s), the address checks (memoized), the rest of the rate-limit charge (a batch of n
 * addresses counts n), and the read. Answers after an await are written corked, only if the client
 * is still there.
 */
import { performance } from 'node:perf_hooks';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { BlockTag } from '../chain/block-tag.js';
import type { AddressMemo } from '../codec/address.js';
import { errorLogFields, ServiceError, type ErrorCode } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { checkBatchAddresses, isJsonContentType, maxBatchBodyBytes, parseBatchBody, type BatchRefusal } from './batch-body.js';
import { readBody } from './read-body.js';
import { JSON_TYPE, writeBody, writeProblem, writeProblemDetails, type ExtraHeaders } from './responses.js';

export const BATCH_ROUTE = '/address/balances';
/** Client went away before the answer (nginx's convention); counted, never written. */
const CLIENT_CLOSED = 499;

/** What the route needs from the balance service. */
export interface BalancesReader {
  /** The whole 200 body for `addresses` (EIP-55, request order) at the block `tag` resolves to. */
  balances(addresses: readonly string[], tag: BlockTag, requestId: string): Promise<string | Buffer>;
}

/** What the route needs around its own work (request-flow.ts). */
export interface BatchFlow {
  id(req: HttpRequest): string;
  corsHeaders(req: HttpRequest): ExtraHeaders;
  finish(status: number, started: number, id: string): void;
  /**
   * URL shape, API key and the first rate-limit token, before any await. When refused it answers
   * and returns undefined; otherwise a charge for the rest of the batch's tokens.
   */
  admit(res: HttpResponse, req: HttpRequest, started: number, id: string, headers: ExtraHeaders): Charge | undefined;
  inflight: number;
}

export type Charge = (n: number, now: number) => { code: ErrorCode; detail: string; extra?: Readonly<Record<string, unknown>>; headers: ExtraHeaders } | undefined;

export interface BatchRouteDeps {
  readonly reader: BalancesReader;
  readonly memo: AddressMemo;
  readonly maxAddresses: number;
  readonly log: Logger;
}

export function batchHandler(flow: BatchFlow, deps: BatchRouteDeps): (res: HttpResponse, req: HttpRequest) => void {
  const maxBytes = maxBatchBodyBytes(deps.maxAddresses);
  const { reader, memo, log } = deps;

  return (res, req) => {
    const started = performance.now();
    const id = flow.id(req);
    const headers = flow.corsHeaders(req);
    const contentType = req.getHeader('content-type');
    const contentLength = req.getHeader('content-length');
    const chunked = req.getHeader('transfer-encoding') !== '';

    const refuse = (code: ErrorCode, detail: string, options: { close?: boolean; extra?: Readonly<Record<string, unknown>>; extraHeaders?: ExtraHeaders } = {}) => {
      const status = writeProblemDetails(res, code, detail, id, {
        instance: BATCH_ROUTE,
        extra: options.extra,
        headers: options.extraHeaders === undefined ? headers : [...options.extraHeaders, ...headers],
        close: options.close,
      });
      flow.finish(status, started, id);
    };

    // Refusals before the body: the connection closes, since the body stays unread.
    if (!isJsonContentType(contentType)) {
      refuse('UNSUPPORTED_MEDIA_TYPE', `send the body as application/json, not ${JSON.stringify(contentType.slice(0, 80))}`, { close: true });
      return;
    }
    if (chunked || !/^\d{1,15}$/.test(contentLength)) {
      refuse('PAYLOAD_TOO_LARGE', `a batch needs a content-length (at most ${maxBytes} bytes)`, { close: true });
      return;
    }
    if (Number(contentLength) > maxBytes) {
      refuse('PAYLOAD_TOO_LARGE', `a batch body is at most ${maxBytes} bytes (${deps.maxAddresses} addresses)`, { close: true });
      return;
    }
    const charge = flow.admit(res, req, started, id, headers);
    if (charge === undefined) return;

    let aborted = false;
    let done = false;
    res.onAborted(() => {
      aborted = true;
      if (done) return;
      done = true;
      flow.finish(CLIENT_CLOSED, started, id);
    });
    const answer = (write: () => number) => {
      if (aborted || done) return;
      done = true;
      let status = 500;
      res.cork(() => (status = write()));
      flow.finish(status, started, id);
    };
    const refusal = (r: BatchRefusal) =>
      answer(() => writeProblemDetails(res, r.code, r.detail, id, { instance: BATCH_ROUTE, extra: r.extra, headers }));

    readBody(res, maxBytes, {
      tooLarge: () => answer(() => writeProblemDetails(res, 'PAYLOAD_TOO_LARGE', `a batch body is at most ${maxBytes} bytes`, id, { instance: BATCH_ROUTE, headers, close: true })),
      done: (body) => {
        if (aborted || done) return;
        const shape = parseBatchBody(body.toString('utf8'), deps.maxAddresses);
        if (!shape.ok) return refusal(shape);
        const checked = checkBatchAddresses(shape.inputs, (input) => memo.check(input));
        if (!checked.ok) return refusal(checked);
        const limited = shape.inputs.length > 1 ? charge(shape.inputs.length - 1, performance.now()) : undefined;
        if (limited !== undefined) {
          return answer(() =>
            writeProblemDetails(res, limited.code, limited.detail, id, { instance: BATCH_ROUTE, extra: limited.extra, headers: [...limited.headers, ...headers] }),
          );
        }
        flow.inflight++;
        let read: Promise<string | Buffer>;
        try {
          read = reader.balances(checked.addresses, shape.tag, id);
        } catch (error) {
          read = Promise.reject(error);
        }
        read.then(
          (bytes) => {
            flow.inflight--;
            answer(() => {
              writeBody(res, 200, JSON_TYPE, bytes, id, headers);
              return 200;
            });
          },
          (error: unknown) => {
            flow.inflight--;
            if (!(error instanceof ServiceError && error.status < 500)) {
              log.warn({ reqId: id, url: BATCH_ROUTE, n: checked.addresses.length, ...errorLogFields(error) }, 'request failed');
            }
            answer(() => writeProblem(res, error, id, BATCH_ROUTE, headers));
          },
        );
      },
    });
  };
}
