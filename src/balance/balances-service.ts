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
import { balanceItem, balancesBody, bodyParts } from '../codec/balances.js';
import { ServiceError } from '../errors.js';
import type { BalancesRead, VerifiedBalanceRead } from '../router/upstream.js';
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
    // Answers by position. An address not cached is read once however often it is asked: `slot`
    // gives its place among the reads, and each position waiting for it remembers that place.
    const ordered = new Array<string>(addresses.length);
    let missing: string[] = [];
    const slot = new Map<string, number>();
    const waiting: number[] = [];
    const waitingFor: number[] = [];
    const now = performance.now();
    for (let i = 0; i < addresses.length; i++) {
      const address = addresses[i]!;
      const item = this.cache.item(key(address), head, now);
      if (item !== undefined) {
        ordered[i] = item;
        continue;
      }
      let place = slot.get(address);
      if (place === undefined) {
        place = missing.length;
        slot.set(address, place);
        missing.push(address);
      }
      waiting.push(i);
      waitingFor.push(place);
    }
    /** Item per address read, by its place in `slot`. */
    const read = new Array<string>(missing.length);
    let latencyMs = 0;
    const options = { immutable: isImmutableTag(tag) };
    const at = { tag: echo, number: head.numberHex, hash: head.hash };
    // Stores the item with the parts of the single route's body that all of one read share: a
    // later GET at the same tag is a hit, its body made from these then.
    const storeAll = (addressesRead: readonly string[], weis: readonly bigint[], readMs: number) => {
      const parts = bodyParts({ network: this.network(), rpcLatencyMs: readMs, at, stateRoot });
      for (let j = 0; j < addressesRead.length; j++) {
        const address = addressesRead[j]!;
        const item = balanceItem(address, weis[j]!);
        read[slot.get(address)!] = item;
        this.cache.setItem(key(address), head, item, parts, options);
      }
    };
    const chainId = this.shared === undefined ? undefined : this.upstream.chainId();
    if (missing.length > 0 && this.shared !== undefined && chainId !== undefined) {
      // Keyed by chain id + block hash + address (+ verified): another task's answer at this block.
      const started = performance.now();
      const shared = await this.shared.getMany(missing.map((address) => ({ chainId, blockHash: head.hash, address, verified: verify })));
      latencyMs = performance.now() - started;
      const found: string[] = [];
      const weis: bigint[] = [];
      const still: string[] = [];
      missing.forEach((address, i) => {
        const value = shared[i];
        if (value !== undefined && value.stateRoot === stateRoot) {
          found.push(address);
          weis.push(value.wei);
        } else still.push(address);
      });
      storeAll(found, weis, latencyMs);
      missing = still;
    }
    if (missing.length > 0) {
      const upstream = stateRoot === undefined ? await this.upstream.getBalances(missing, head, requestId) : await this.proveAll(missing, head, requestId);
      latencyMs = upstream.latencyMs;
      storeAll(missing, upstream.wei, upstream.latencyMs);
      if (chainId !== undefined) {
        this.shared?.fillMany(missing.map((address, i) => ({ chainId, blockHash: head.hash, address, verified: verify, wei: upstream.wei[i]!, stateRoot })));
      }
    }
    for (let w = 0; w < waiting.length; w++) ordered[waiting[w]!] = read[waitingFor[w]!]!;
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
