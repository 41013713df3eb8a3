/**
 * A read past the in-process level: the shared level (REDIS_URL), then upstream for what it did
 * not have, then the caller's store. One key goes through the shared level's `load`, which also
 * waits for another task already reading that key (one upstream read per fleet); many keys ask in
 * one round trip (`getMany`) and fill in one (`fillMany`). Every Redis failure is absorbed there:
 * the worst case is the upstream read.
 */
import type { Head } from '../chain/head.js';
import type { BodyParts } from '../codec/balances.js';
import type { SharedCache } from '../cache/shared-cache.js';
import type { SharedKey } from '../cache/shared-cache-value.js';
import type { Upstream } from '../router/upstream.js';

/** The block a read is pinned to and what every key read at it shares. */
export interface Pinned {
  readonly head: Head;
  /** The tag as the client asked for it (its echo form). */
  readonly echo: string;
  /** Read at a finalized block, a number or a hash: kept until evicted. */
  readonly immutable: boolean;
  readonly network: string;
  readonly chainId: number;
  readonly requestId: string;
  /** Set for a verified read: the state root of the quorum-checked header every balance is proven against. */
  readonly stateRoot: string | undefined;
  /** Told the HTTP requests each upstream read sent (BalanceRequest.onUpstream). */
  readonly onUpstream?: ((requests: number) => void) | undefined;
}

/** One key's read, as every caller joining it gets it. */
export interface Read {
  readonly wei: bigint;
  /** Round trip of the read that produced it (upstream, or the shared level's). */
  readonly latencyMs: number;
  /** The batch item (codec/balances.ts): the single route's body is made from it too. */
  readonly item: string;
  /** What the single route's body adds to the item (the block, the network, the latency). */
  readonly parts: BodyParts;
}

export type ReaderUpstream = Pick<
  Upstream,
  'network' | 'chainId' | 'currentBlock' | 'resolveBlock' | 'getBalance' | 'getBalances' | 'getVerifiedBalance' | 'verifiedStateRoot'
>;

export type SharedLevel = Pick<SharedCache, 'load' | 'getMany' | 'fillMany'>;

export interface ReadJob {
  /** Distinct addresses, none cached in this process. */
  readonly addresses: readonly string[];
  readonly at: Pinned;
  readonly upstream: ReaderUpstream;
  readonly shared: SharedLevel | undefined;
  /** Caches reads that share one round trip and returns them as Reads (after the pool formats a large one). */
  readonly store: (addresses: readonly string[], weis: readonly bigint[], latencyMs: number) => Read[] | Promise<Read[]>;
}

interface Weis {
  readonly wei: readonly bigint[];
  readonly latencyMs: number;
  /** HTTP requests sent upstream for it. */
  readonly requests: number;
}

export function readOwn(job: ReadJob): Promise<Read[]> {
  const { addresses, at, upstream, shared, store } = job;
  const chainId = shared === undefined ? undefined : upstream.chainId();
  // Without the shared level: one then(), no async frame (this is every miss of a lone task).
  if (shared === undefined || chainId === undefined) return readUpstream(upstream, addresses, at).then((read) => store(addresses, read.wei, read.latencyMs));
  return readShared(job, shared, chainId);
}

async function readShared(job: ReadJob, shared: SharedLevel, chainId: number): Promise<Read[]> {
  const { addresses, at, upstream, store } = job;
  // Keyed by chain id + block hash + address (+ verified): another task's answer at this block.
  const keyOf = (address: string): SharedKey => ({ chainId, blockHash: at.head.hash, address, verified: at.stateRoot !== undefined });
  const started = performance.now();
  if (addresses.length === 1) {
    const outcome = await shared.load(keyOf(addresses[0]!), () =>
      readUpstream(upstream, addresses, at).then((read) => ({ wei: read.wei[0]!, latencyMs: read.latencyMs, stateRoot: at.stateRoot })),
    );
    if (outcome.source === 'read') return store(addresses, [outcome.read.wei], outcome.read.latencyMs);
    // From Redis, the latency is the shared level's round trip that produced the answer.
    if (outcome.value.stateRoot === at.stateRoot) return store(addresses, [outcome.value.wei], performance.now() - started);
  }
  const found = addresses.length === 1 ? [undefined] : await shared.getMany(addresses.map(keyOf));
  const sharedMs = performance.now() - started;
  const reads = new Array<Read>(addresses.length);
  const hits: string[] = [];
  const hitWeis: bigint[] = [];
  const hitAt: number[] = [];
  const rest: string[] = [];
  const restAt: number[] = [];
  addresses.forEach((address, i) => {
    const value = found[i];
    if (value !== undefined && value.stateRoot === at.stateRoot) {
      hits.push(address);
      hitWeis.push(value.wei);
      hitAt.push(i);
    } else {
      rest.push(address);
      restAt.push(i);
    }
  });
  (await store(hits, hitWeis, sharedMs)).forEach((read, j) => (reads[hitAt[j]!] = read));
  if (rest.length > 0) {
    const read = await readUpstream(upstream, rest, at);
    (await store(rest, read.wei, read.latencyMs)).forEach((r, j) => (reads[restAt[j]!] = r));
    shared.fillMany(rest.map((address, i) => ({ ...keyOf(address), wei: read.wei[i]!, stateRoot: at.stateRoot })));
  }
  return reads;
}

/**
 * Upstream: one key is the hedged single read; many the router's batch read (chunks of
 * UPSTREAM_BATCH_MAX, Multicall3 where the provider has it); verified keys each proven on their
 * own, all or nothing.
 */
function readUpstream(upstream: ReaderUpstream, addresses: readonly string[], at: Pinned): Promise<Weis> {
  const read = readUpstreamOnce(upstream, addresses, at);
  const told = at.onUpstream;
  return told === undefined ? read : read.then((weis) => (told(weis.requests), weis));
}

function readUpstreamOnce(upstream: ReaderUpstream, addresses: readonly string[], at: Pinned): Promise<Weis> {
  if (at.stateRoot !== undefined) {
    return Promise.all(addresses.map((address) => upstream.getVerifiedBalance(address, at.head, at.requestId))).then((reads) => ({
      wei: reads.map((r) => r.wei),
      latencyMs: Math.max(...reads.map((r) => r.latencyMs)),
      requests: reads.length,
    }));
  }
  if (addresses.length === 1) return upstream.getBalance(addresses[0]!, at.head, at.requestId).then((read) => ({ wei: [read.wei], latencyMs: read.latencyMs, requests: 1 }));
  return upstream.getBalances(addresses, at.head, at.requestId);
}
