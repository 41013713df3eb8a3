/**
 * Many addresses at one block (POST /address/balances). Knows nothing of HTTP.
 *
 * The tag resolves once to one pinned block (number + hash); every balance of the answer is at
 * that block, read or cached. Cached addresses come from the in-process cache (the same entries
 * the single route reads and writes: an answer at a block is the same whichever route asked); the
 * rest go upstream in JSON-RPC batches (router/batch-read.ts) and are cached for both routes.
 * Duplicates are read once and answered as asked.
 *
 * Verified (?verify=true or VERIFY_PROOFS=on): the block's state root comes from the quorum-checked
 * header first, then each missing address is proven on its own (eth_getProof calls issued in one
 * turn still travel as one JSON-RPC batch per provider), all or nothing; verified entries are
 * cached under their own keys, never mixed with unverified ones.
 */
import { blockTagEcho, isImmutableTag, type BlockTag } from '../chain/block-tag.js';
import type { Head } from '../chain/head.js';
import type { BalanceCache } from '../cache/balance-cache.js';
import type { SharedCache } from '../cache/shared-cache.js';
import { balancesBody, itemAndBody } from '../codec/balances.js';
import { ServiceError } from '../errors.js';
import type { BalancesRead } from '../router/tag-reads.js';
import type { VerifiedBalanceRead } from '../router/upstream.js';
import { verifiedKey } from './balance-service.js';
import { cacheKey } from './cache-key.js';

/** What the batch needs from the upstream (the router). */
export interface BatchUpstream {
  network(): string | undefined;
  /** The chain id served (the shared cache keys by it); undefined until known. */
  chainId(): number | undefined;
  /** The block `tag` resolves to if known and fresh, without waiting. */
  currentBlock(tag: BlockTag, now?: number): Head | undefined;
  resolveBlock(tag: BlockTag, requestId?: string): Promise<Head>;
  getBalances(addresses: readonly string[], at: Head, requestId?: string): Promise<BalancesRead>;
  /** The state root of `at` once a quorum agrees on its hash (cached per block hash). */
  verifiedStateRoot(at: Head, requestId?: string): Promise<string>;
  getVerifiedBalance(address: string, at: Head, requestId?: string): Promise<VerifiedBalanceRead>;
}

export class BalancesService {
  constructor(
    private readonly upstream: BatchUpstream,
    private readonly cache: BalanceCache,
    /** The fleet's shared level (REDIS_URL): asked for the in-process misses, in one round trip. */
    private readonly shared?: Pick<SharedCache, 'getMany' | 'fillMany'>,
  ) {}

  /** The whole 200 body for `addresses` (EIP-55, request order) at the block `tag` resolves to. */
  async balances(addresses: readonly string[], tag: BlockTag, requestId: string, verify = false): Promise<string> {
    const head = this.upstream.currentBlock(tag) ?? (await this.upstream.resolveBlock(tag, requestId));
    const echo = blockTagEcho(tag);
    const stateRoot = verify ? await this.upstream.verifiedStateRoot(head, requestId) : undefined;
    const key = (address: string) => cacheKey(verify ? verifiedKey(address) : address, echo);
    const items = new Map<string, string>();
    const missing: string[] = [];
    const now = performance.now();
    for (const address of addresses) {
      if (items.has(address)) continue;
      const item = this.cache.item(key(address), head, now);
      if (item !== undefined) items.set(address, item);
      else {
        items.set(address, '');
        missing.push(address);
      }
    }
    let latencyMs = 0;
    const immutable = isImmutableTag(tag);
    const at = { tag: echo, number: head.numberHex, hash: head.hash };
    const store = (address: string, wei: bigint, readMs: number) => {
      // The item and the single route's body (a later GET at the same tag is a hit), one formatting.
      const { item, body } = itemAndBody(address, wei, { network: this.network(), rpcLatencyMs: readMs, at, stateRoot });
      items.set(address, item);
      this.cache.set(key(address), head, Buffer.from(body), { immutable, item });
    };
    const chainId = this.shared === undefined ? undefined : this.upstream.chainId();
    if (missing.length > 0 && this.shared !== undefined && chainId !== undefined) {
      // Keyed by chain id + block hash + address (+ verified): another task's answer at this block.
      const started = performance.now();
      const shared = await this.shared.getMany(missing.map((address) => ({ chainId, blockHash: head.hash, address, verified: verify })));
      latencyMs = performance.now() - started;
      const still: string[] = [];
      missing.forEach((address, i) => {
        const value = shared[i];
        if (value !== undefined && value.stateRoot === stateRoot) store(address, value.wei, latencyMs);
        else still.push(address);
      });
      missing.splice(0, missing.length, ...still);
    }
    if (missing.length > 0) {
      const read = stateRoot === undefined ? await this.upstream.getBalances(missing, head, requestId) : await this.proveAll(missing, head, requestId);
      latencyMs = read.latencyMs;
      missing.forEach((address, i) => store(address, read.wei[i]!, read.latencyMs));
      if (chainId !== undefined) {
        this.shared?.fillMany(missing.map((address, i) => ({ chainId, blockHash: head.hash, address, verified: verify, wei: read.wei[i]!, stateRoot })));
      }
    }
    const ordered = addresses.map((a) => items.get(a)!);
    return balancesBody({ network: this.network(), blockTag: echo, blockNumber: head.numberHex, blockHash: head.hash, rpcLatencyMs: latencyMs, stateRoot }, ordered);
  }

  /** Every address proven at `at` (all or nothing: the first that cannot be verified fails the batch). */
  private async proveAll(addresses: readonly string[], at: Head, requestId: string): Promise<BalancesRead> {
    const reads = await Promise.all(addresses.map((address) => this.upstream.getVerifiedBalance(address, at, requestId)));
    return { wei: reads.map((r) => r.wei), latencyMs: Math.max(...reads.map((r) => r.latencyMs)), requests: reads.length };
  }

  private network(): string {
    const network = this.upstream.network();
    if (network === undefined) throw new ServiceError('INTERNAL', 'network unknown after a read');
    return network;
  }
}
