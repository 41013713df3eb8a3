/**
 * Address -> response body bytes. Glues head, cache, router and codec; knows nothing of HTTP.
 * The hot path (`tryHit`) is synchronous: fresh head + cached bytes, no keccak, no pool, no await.
 */
import { blockTagEcho, isImmutableTag, LATEST, type BlockTag } from '../chain/block-tag.js';
import type { Head } from '../chain/head.js';
import { BalanceCache } from '../cache/balance-cache.js';
import type { SharedCache } from '../cache/shared-cache.js';
import type { CodecRunner } from '../codec/codec-pool.js';
import { ServiceError } from '../errors.js';
import type { Upstream } from '../router/upstream.js';
import { cacheKey } from './cache-key.js';

/**
 * What a lookup needs from the request it serves, beyond the address. The HTTP request context
 * (http/request-flow.ts) is one, passed as is. Room to grow: a block tag, a verified-read flag.
 */
export interface BalanceRequest {
  /** Goes on the log lines the lookup causes. */
  readonly requestId: string;
  /**
   * A verified read (VERIFY_PROOFS, ?verify=): proven against a quorum's block (src/verify/). Its
   * cache entries are apart from unverified ones, so a verified request never gets an unverified
   * answer, from this process or the shared level.
   */
  readonly verify?: boolean;
  /** The block to read at (default latest). */
  readonly tag?: BlockTag;
}

/** Cache key of a verified answer: its own entry, never an unverified one. */
export function verifiedKey(address: string): string {
  return `${address}|verified`;
}

/** What a read yields: the balance, its round trip and, when verified, the state root it was proven against. */
interface Read {
  readonly wei: bigint;
  readonly latencyMs: number;
  readonly stateRoot?: string | undefined;
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
  tryHit(address: string, now?: number, request?: Pick<BalanceRequest, 'verify' | 'tag'>): Buffer | undefined {
    const tag = request?.tag ?? LATEST;
    const own = request?.verify === true ? verifiedKey(address) : address;
    if (tag.kind === 'latest') {
      const head = this.upstream.currentHead(now);
      return head === undefined ? undefined : this.cache.get(own, head, now);
    }
    // Another tag: its block if known and fresh (a map lookup), then the entry at that block.
    const at = this.upstream.currentBlock(tag, now);
    return at === undefined ? undefined : this.cache.get(cacheKey(own, blockTagEcho(tag)), at, now);
  }

  /**
   * The body for `address` at a fresh head: cached, or read once however many ask at the same time.
   * The request that starts the read is the one its log lines name.
   */
  lookup(address: string, request: BalanceRequest): Promise<Buffer> {
    // Not async, and a then() only when there is no fresh head: each await on the way back from
    // the upstream is a microtask hop, and at concurrency 1 they showed in the added latency.
    const tag = request.tag ?? LATEST;
    const head = tag.kind === 'latest' ? this.upstream.currentHead() : this.upstream.currentBlock(tag);
    if (head === undefined) {
      const fresh = tag.kind === 'latest' ? this.upstream.head() : this.upstream.resolveBlock(tag, request.requestId);
      return fresh.then((at) => this.at(address, at, request, tag));
    }
    return this.at(address, head, request, tag);
  }

  private at(address: string, head: Head, request: BalanceRequest, tag: BlockTag): Promise<Buffer> {
    const echo = blockTagEcho(tag);
    const key = cacheKey(request.verify === true ? verifiedKey(address) : address, echo);
    const cached = this.cache.get(key, head);
    if (cached !== undefined) return Promise.resolve(cached);
    // Answers at a finalized block, a number or a hash never change: kept until evicted.
    return this.cache.load(key, head, () => this.read(address, head, request, echo), { immutable: isImmutableTag(tag) });
  }

  private async read(address: string, head: Head, request: BalanceRequest, echo: string): Promise<Buffer> {
    const verify = request.verify === true;
    const read = this.shared === undefined ? await this.readUpstream(address, head, request) : await this.readShared(this.shared, address, head, request);
    const network = this.upstream.network();
    if (network === undefined) throw new ServiceError('INTERNAL', 'network unknown after a read');
    const json = await this.codec.run({
      kind: 'format',
      address,
      network,
      wei: read.wei.toString(10),
      rpcLatencyMs: read.latencyMs,
      blockTag: echo,
      blockNumber: head.numberHex,
      blockHash: head.hash,
      verified: verify && read.stateRoot !== undefined ? { blockHash: head.hash, stateRoot: read.stateRoot } : undefined,
    });
    return Buffer.from(json);
  }

  private readUpstream(address: string, head: Head, request: BalanceRequest): Promise<Read> {
    return request.verify === true ? this.upstream.getVerifiedBalance(address, head, request.requestId) : this.upstream.getBalance(address, head, request.requestId);
  }

  /**
   * Through the shared level: entries keyed by chain id + block hash + address (never stale); every
   * Redis failure is absorbed inside load(), so the worst case is the upstream read it falls back to.
   */
  private async readShared(shared: Pick<SharedCache, 'load'>, address: string, head: Head, request: BalanceRequest): Promise<Read> {
    const read = () => this.readUpstream(address, head, request);
    const chainId = this.upstream.chainId();
    if (chainId === undefined) return read();
    const started = performance.now();
    const outcome = await shared.load({ chainId, blockHash: head.hash, address, verified: request.verify === true }, read);
    // From Redis, rpcLatencyMs is the shared-cache round trip that produced the answer.
    return outcome.source === 'read' ? outcome.read : { wei: outcome.value.wei, latencyMs: performance.now() - started, stateRoot: outcome.value.stateRoot };
  }
}
