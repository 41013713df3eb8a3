/**
 * JSON-RPC 2.0 framing, apart from the HTTP that carries it: a batch's request body and the
 * matching of its replies to its calls. Both of RpcClient's ways to send (the per-turn queue and
 * `callBatch`) frame and match through here. A batch's calls take consecutive ids from `firstId`,
 * so a reply's id says its position.
 */
import { classifyRpcError, UpstreamError } from './upstream-error.js';

/**
 * A JSON text sent as is as one of a call's params: for a large hex payload (a Multicall3 chunk's
 * call data, ~39 KB per 100 balances) that JSON.stringify would otherwise copy and scan for
 * characters to escape, which was half the cost of building the request. The text must be JSON.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

export interface RpcCall {
  readonly method: string;
  readonly params: readonly unknown[];
}

/** The request body of `calls` with ids from `firstId`: one call as an object, several as an array. */
export function encodeCalls(firstId: number, calls: readonly RpcCall[]): string {
  const raw = calls.some((call) => call.params.some((p) => p instanceof RawJson));
  if (!raw) {
    const payload = calls.map((call, i) => ({ jsonrpc: '2.0', id: firstId + i, method: call.method, params: call.params }));
    return JSON.stringify(payload.length === 1 ? payload[0] : payload);
  }
  const texts = calls.map((call, i) => {
    const list = call.params.map((p) => (p instanceof RawJson ? p.text : JSON.stringify(p))).join(',');
    return `{"jsonrpc":"2.0","id":${firstId + i},"method":${JSON.stringify(call.method)},"params":[${list}]}`;
  });
  return texts.length === 1 ? texts[0]! : `[${texts.join(',')}]`;
}

/**
 * Each call's `result`, or the UpstreamError its reply stands for, in the order of `calls`:
 * matched by id (a call with no reply of its id is a bad response; of two replies with one id the
 * later counts). Throws an UpstreamError when the reply stands for the whole batch: one error object
 * (often a rate limit) or anything else that is not an array. A single call may be answered with
 * its reply object alone.
 */
export function matchReplies(parsed: unknown, firstId: number, calls: readonly RpcCall[], provider: string): unknown[] {
  const replies = calls.length === 1 && !Array.isArray(parsed) ? [parsed] : parsed;
  if (!Array.isArray(replies)) {
    throw replyError(provider, parsed) ?? new UpstreamError('bad-response', provider, 'batch answered with a non-array');
  }
  // Nodes answer in request order: index by position, and fall back to ids when they do not.
  const inOrder = replies.length === calls.length && replies.every((r, i) => (r as { id?: unknown } | null)?.id === firstId + i);
  const byId = inOrder ? undefined : new Map<unknown, unknown>();
  if (byId !== undefined) {
    for (const reply of replies) {
      if (reply !== null && typeof reply === 'object') byId.set((reply as { id?: unknown }).id, reply);
    }
  }
  const results = new Array<unknown>(calls.length);
  for (let i = 0; i < calls.length; i++) {
    results[i] = outcome(provider, byId === undefined ? replies[i] : byId.get(firstId + i), calls[i]!.method);
  }
  return results;
}

/** One call's reply: its result, or the UpstreamError it stands for. */
function outcome(provider: string, reply: unknown, method: string): unknown {
  const r = reply as { result?: unknown; error?: unknown } | undefined;
  if (r === undefined || r === null || typeof r !== 'object') return new UpstreamError('bad-response', provider, `no reply for ${method}`);
  if (r.error !== undefined && r.error !== null) return replyError(provider, r) ?? new UpstreamError('bad-response', provider, 'malformed error');
  if (!('result' in r)) return new UpstreamError('bad-response', provider, `reply for ${method} has no result`);
  return r.result;
}

/** The UpstreamError a reply's `error` object stands for; undefined when it has none. */
export function replyError(provider: string, reply: unknown): UpstreamError | undefined {
  const error = (reply as { error?: unknown } | null)?.error;
  if (error === null || typeof error !== 'object') return undefined;
  return classifyRpcError(provider, error as { code?: unknown; message?: unknown; data?: unknown });
}
