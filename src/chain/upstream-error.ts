/**
 * How an upstream call failed, classified once at the source so the router can tell "try another
 * provider" (timeouts, connection errors, 5xx, 429, garbage) from "stop" (the request itself is
 * wrong), as viem separates shouldThrow from shouldRetry.
 */
export type UpstreamErrorKind =
  | 'timeout'
  | 'connection'
  | 'http'
  | 'rate-limited'
  | 'bad-response'
  | 'rpc'
  | 'invalid-request'
  | 'block-not-found'
  /** The node has the block but no longer its state (pruned): another node may. Not a fault. */
  | 'state-unavailable'
  | 'wrong-chain'
  | 'lagging'
  | 'unavailable'
  /** The caller withdrew the call (a hedge won, or the request deadline passed). */
  | 'cancelled'
  /**
   * The answer contradicts what it must prove (src/verify/): a header that does not hash to its
   * hash, a proof that does not verify against the agreed state root, a balance its own proof
   * refutes. The provider lied or is broken; another may well answer.
   */
  | 'unverifiable';

export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  /** Redacted provider name; safe to show. */
  readonly provider: string;
  /** For rate limits: how long the provider asked us to stay away. */
  readonly retryAfterMs: number | undefined;

  constructor(kind: UpstreamErrorKind, provider: string, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'UpstreamError';
    this.kind = kind;
    this.provider = provider;
    this.retryAfterMs = retryAfterMs;
  }

  /** Another provider may well answer: move on. Invalid requests fail the same everywhere. */
  get retryable(): boolean {
    return this.kind !== 'invalid-request' && this.kind !== 'cancelled';
  }
}

/** JSON-RPC error object -> kind. -32005 is Infura's (and the EIP-1474) "limit exceeded". */
export function classifyRpcError(
  provider: string,
  error: { code?: unknown; message?: unknown; data?: unknown },
): UpstreamError {
  const code = typeof error.code === 'number' ? error.code : 0;
  const message = typeof error.message === 'string' ? error.message.slice(0, 200) : 'JSON-RPC error';
  if (code === -32005 || /rate limit|too many requests|exceeded/i.test(message)) {
    const data = error.data as { backoff_seconds?: unknown } | undefined;
    const seconds = typeof data?.backoff_seconds === 'number' ? data.backoff_seconds : undefined;
    return new UpstreamError('rate-limited', provider, `rate limited: ${message}`, seconds === undefined ? undefined : seconds * 1000);
  }
  // geth: "missing trie node <hash> (path ...)" and "required historical state unavailable"; reth:
  // "state at block #N is pruned"; erigon and nethermind: "... pruned ..." / "historical state not
  // available"; anvil with --prune-history: "... state for block ... not found / pruned". The
  // block is known, its state gone: skip this node for the read, it is not failing.
  // anvil --prune-history: "BlockOutOfRangeError: block height is 20 but requested was 1" (below
  // its height: the state is gone; above it, the block is not there yet).
  const range = /block height is (\d+) but requested was (\d+)/.exec(message);
  if (range !== null && Number(range[2]) < Number(range[1])) return new UpstreamError('state-unavailable', provider, message);
  if (/missing trie node|historical state|state (at|for) block .*(pruned|not (found|available))|state (is )?(pruned|not available|unavailable)|pruned/i.test(message)) {
    return new UpstreamError('state-unavailable', provider, message);
  }
  // geth: "header not found"; erigon: "block not found"; nethermind and anvil: -32001 "Resource not
  // found"; anvil by number: "BlockOutOfRangeError". All mean "not this node, not this block (yet)".
  if (
    code === -32001 ||
    /(header|block)s? (for .* )?(not found|unknown)|unknown block|block not available|resource not found|could not be found|out ?of ?range/i.test(
      message,
    )
  ) {
    return new UpstreamError('block-not-found', provider, message);
  }
  if (code === -32602 || code === -32600) {
    return new UpstreamError('invalid-request', provider, `invalid request (${code}): ${message}`);
  }
  return new UpstreamError('rpc', provider, `JSON-RPC error ${code}: ${message}`);
}
