/**
 * Address -> response body bytes. Glues head, cache, router and codec; knows nothing of HTTP.
 * The hot path (`tryHit`) is synchronous: fresh head + cached bytes, no keccak, no pool, no await.
 */
import type { Head } from '../chain/head.js';
import { BalanceCache } from '../cache/balance-cache.js';
import type { SharedCache } from '../cache/shared-cache.js';
import type { CodecRunner } from '../codec/codec-pool.js';
import { ServiceError } from '../errors.js';
import type { Upstream } from '../router/upstream.js';

/**
 * What a lookup needs from the request it serves, beyond the address. The HTTP request context
 * (http/request-flow.ts) is one, passed as is. Room to grow: a block tag, a verified-read flag.
 */
export interface BalanceRequest {
  /** Goes on the log lines the lookup causes. */
  readonly requestId: string;
}

export class BalanceService {
  constructor(
    private readonly upstream: Upstream,
    private readonly cache: BalanceCache,
    private readonly codec: CodecRunner,
    /** The fleet's second level (REDIS_URL), asked on an in-process miss only; undefined: no Redis. */
    private readonly shared?: Pick<SharedCache, 'load'>,
  ) {}

  /**
   * Cached bytes for a checksummed address at the current head, if any, without waiting. `now`
   * (performance.now(), the clock head and cache default to) saves two clock reads per hit, a
   * quarter of a hit's JavaScript in a profile.
   */
  tryHit(address: string, now?: number): Buffer | undefined {
    const head = this.upstream.currentHead(now);
    return head === undefined ? undefined : this.cache.get(address, head, now);
  }

  /**
   * The body for `address` at a fresh head: cached, or read once however many ask at the same time.
   * The request that starts the read is the one its log lines name.
   */
  lookup(address: string, request: BalanceRequest): Promise<Buffer> {
    // Not async, and a then() only when there is no fresh head: each await on the way back from
    // the upstream is a microtask hop, and at concurrency 1 they showed in the added latency.
    const head = this.upstream.currentHead();
    if (head === undefined) return this.upstream.head().then((fresh) => this.at(address, fresh, request));
    return this.at(address, head, request);
  }

  private at(address: string, head: Head, request: BalanceRequest): Promise<Buffer> {
    const cached = this.cache.get(address, head);
    return cached !== undefined ? Promise.resolve(cached) : this.cache.load(address, head, () => this.read(address, head, request));
  }

  private async read(address: string, head: Head, request: BalanceRequest): Promise<Buffer> {
    const read =
      this.shared === undefined ? await this.upstream.getBalance(address, head, request.requestId) : await this.readShared(this.shared, address, head, request);
    const network = this.upstream.network();
    if (network === undefined) throw new ServiceError('INTERNAL', 'network unknown after a read');
    const json = await this.codec.run({
      kind: 'format',
      address,
      network,
      wei: read.wei.toString(10),
      rpcLatencyMs: read.latencyMs,
      headBlockNumber: head.numberHex,
    });
    return Buffer.from(json);
  }

  /**
   * Through the shared level: entries keyed by chain id + block hash + address (never stale); every
   * Redis failure is absorbed inside load(), so the worst case is the upstream read it falls back to.
   */
  private async readShared(shared: Pick<SharedCache, 'load'>, address: string, head: Head, request: BalanceRequest): Promise<{ wei: bigint; latencyMs: number }> {
    const read = () => this.upstream.getBalance(address, head, request.requestId);
    const chainId = this.upstream.chainId();
    if (chainId === undefined) return read();
    const started = performance.now();
    const outcome = await shared.load({ chainId, blockHash: head.hash, address, verified: false }, read);
    // From Redis, rpcLatencyMs is the shared-cache round trip that produced the answer.
    return outcome.source === 'read' ? outcome.read : { wei: outcome.value.wei, latencyMs: performance.now() - started };
  }
}
