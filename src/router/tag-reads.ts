/**
 * The router's reads for block tags and batches: each provider's safe/finalized block, a block by
 * number or hash, and many balances at one pinned block (router/batch-read.ts decides the chunks
 * and the failover). Every call goes through ProviderCalls, so these reads feed the same health
 * numbers as single reads.
 */
import type { BlockSource } from '../chain/block-resolver.js';
import { parseBlock, parseQuantity, type Head } from '../chain/head.js';
import { decodeBalances, encodeBalances, MULTICALL3, NO_CONTRACT } from '../chain/multicall.js';
import { RawJson } from '../chain/json-rpc.js';
import { UpstreamError } from '../chain/upstream-error.js';
import { ServiceError } from '../errors.js';
import type { Cancel } from '../chain/cancel.js';
import { BatchReadError, readBatch, type ChunkAnswer } from './batch-read.js';
import { CHUNK_HEDGE_DELAY_MS, type HedgeBudget } from './hedge.js';
import type { ProviderCalls } from './provider-calls.js';
import type { RetryPolicy } from './retry-policy.js';
import type { ProviderHandle } from './provider.js';
import type { BalancesRead } from './upstream.js';

export interface TagReadsDeps {
  readonly calls: ProviderCalls;
  /** Usable providers for a read at `at` (undefined: any block), best first; last resort when none is usable. */
  readonly candidates: (at: Head | undefined) => {
    readonly order: readonly ProviderHandle[];
    readonly scores: ReadonlyMap<ProviderHandle, number>;
    readonly lastResort: boolean;
  };
  /** Largest JSON-RPC batch (UPSTREAM_BATCH_MAX). */
  readonly maxPerCall: number;
  /** The router's hedge budget, shared with single reads. */
  readonly budget: HedgeBudget;
  /** Retry rounds for what a batch's first pass left unread (router/retry-policy.ts). */
  readonly retry: RetryPolicy;
  /** Per provider, milliseconds until it may be asked again (router/retry-after.ts). */
  readonly askableInMs: () => number[];
  /** REQUEST_DEADLINE_MS: a batch read outlives it by no more than the time to say so. */
  readonly deadlineMs: number;
  /** The 502 listing every provider's cause. */
  readonly unavailable: (
    detail: string,
    failures: Map<ProviderHandle, UpstreamError>,
    tried: readonly ProviderHandle[],
    code: 'UPSTREAM_UNAVAILABLE' | 'STATE_UNAVAILABLE',
  ) => ServiceError;
  /** This chain's Multicall3 (default: the canonical address, deployment block unknown). */
  readonly multicall3?: { readonly address: string; readonly blockCreated: bigint | undefined } | undefined;
  /** The EVM's block.number is the L1 block (Arbitrum): a Multicall3 answer's number is not checked. */
  readonly evmBlockNumberIsL1?: boolean | undefined;
  /** The newest block number among usable providers. */
  readonly newest?: () => bigint | undefined;
}

/** A JSON-RPC block or null ("no such block"), as Head | null; undefined when malformed. */
const parseBlockOrNull = (result: unknown): Head | null | undefined => (result === null ? null : parseBlock(result));

/** What a Multicall3 chunk may fail with and still be read with eth_getBalance on the same provider. */
const NOT_FOR_MULTICALL = new Set<UpstreamError['kind']>(['rpc', 'invalid-request']);

export class TagReads implements Omit<BlockSource, 'latest' | 'currentLatest'> {
  /** Highest block seen without Multicall3's code (it was deployed later): read with eth_getBalance at or below. */
  private noMulticallAtOrBelow = -1n;
  private readonly multicall3: string;

  constructor(private readonly deps: TagReadsDeps) {
    this.multicall3 = deps.multicall3?.address ?? MULTICALL3;
  }

  /**
   * Whether Multicall3 may hold the state at `at`: not below a block already seen without it, nor
   * below its deployment block. The registry's deployment block counts only on a chain already
   * past it: a local chain on that id (anvil, a young devnet) has its own history, where
   * eth_getCode decides.
   */
  private multicallAt(at: Head): boolean {
    if (at.number <= this.noMulticallAtOrBelow) return false;
    const created = this.deps.multicall3?.blockCreated;
    return created === undefined || at.number >= created || (this.deps.newest?.() ?? 0n) < created;
  }

  /** Each usable provider's block at `tag`; rejects when no provider answered at all. */
  async askAll(tag: 'safe' | 'finalized', requestId?: string): Promise<readonly (Head | undefined)[]> {
    const { order, lastResort } = this.deps.candidates(undefined);
    const failures = new Map<ProviderHandle, UpstreamError>();
    const answers = await Promise.all(
      order.map((p) =>
        this.deps.calls.invoke(p, 'eth_getBlockByNumber', [tag, false], parseBlockOrNull, { lastResort, requestId }).then(
          ({ value }) => value ?? undefined,
          (error: unknown) => {
            if (!(error instanceof UpstreamError)) throw error;
            failures.set(p, error);
            return null;
          },
        ),
      ),
    );
    if (answers.every((a) => a === null)) {
      throw this.deps.unavailable(`no provider answered for the ${tag} block`, failures, order, 'UPSTREAM_UNAVAILABLE');
    }
    return answers.filter((a): a is Head | undefined => a !== null);
  }

  byNumber(number: bigint, requestId?: string): Promise<Head | undefined> {
    return this.first('eth_getBlockByNumber', [`0x${number.toString(16)}`, false], requestId);
  }

  byHash(hash: string, requestId?: string): Promise<Head | undefined> {
    return this.first('eth_getBlockByHash', [hash, false], requestId);
  }

  /**
   * Asks providers in order until one has the block: undefined when every provider that answered
   * said it has none; rejects when none answered at all.
   */
  private async first(method: string, params: readonly unknown[], requestId: string | undefined): Promise<Head | undefined> {
    const { order, lastResort } = this.deps.candidates(undefined);
    const failures = new Map<ProviderHandle, UpstreamError>();
    let answered = false;
    for (const p of order) {
      try {
        const { value } = await this.deps.calls.invoke(p, method, params, parseBlockOrNull, { lastResort, requestId });
        if (value !== null) return value;
        answered = true;
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        failures.set(p, error);
        if (error.kind === 'block-not-found') answered = true;
        else if (!error.retryable) break;
      }
    }
    if (answered) return undefined;
    throw this.deps.unavailable(`no provider answered ${method}`, failures, order, 'UPSTREAM_UNAVAILABLE');
  }

  /** Balances of distinct `addresses` at exactly `at`, in JSON-RPC batches spread over providers. */
  async getBalances(addresses: readonly string[], at: Head, requestId?: string): Promise<BalancesRead> {
    const { order, scores, lastResort } = this.deps.candidates(at);
    const pin = { blockHash: at.hash };
    // One JSON-RPC batch per chunk, booked per HTTP request (ProviderCalls.invokeBatch).
    const getBalances = (p: ProviderHandle, part: readonly string[], cancel: Cancel): Promise<ChunkAnswer> =>
      this.deps.calls.invokeBatch(
        p,
        'eth_getBalance',
        part.map((address) => [address, pin]),
        parseQuantity,
        { lastResort, requestId, cancel },
      );
    // Or one eth_call of Multicall3 per chunk, where the provider has it (chain/multicall.ts).
    const multicall = async (p: ProviderHandle, part: readonly string[], cancel: Cancel): Promise<ChunkAnswer> => {
      // Hex only, so the JSON is written without JSON.stringify (RawJson).
      const call = new RawJson(`{"to":"${this.multicall3}","data":"${encodeBalances(part)}"}`);
      const checkNumber = this.deps.evmBlockNumberIsL1 === true ? undefined : at.number;
      const { values, latencyMs } = await this.deps.calls.invokeBatch(p, 'eth_call', [[call, pin]], (r) => decodeBalances(r, part.length, checkNumber), {
        lastResort,
        requestId,
        cancel,
      });
      const answer = values[0]!;
      if (answer === NO_CONTRACT) {
        // Older than the contract: this block and those below it read with eth_getBalance.
        if (at.number > this.noMulticallAtOrBelow) this.noMulticallAtOrBelow = at.number;
        return getBalances(p, part, cancel);
      }
      if (answer instanceof UpstreamError) {
        if (!NOT_FOR_MULTICALL.has(answer.kind)) return { values: part.map(() => answer), latencyMs };
        // The node refused the call itself (eth_call not allowed, out of gas): not through it again
        // until its next chain check (CHAIN_CHECK_INTERVAL_MS) finds the code again.
        p.multicallRefused();
        return getBalances(p, part, cancel);
      }
      return { values: answer, latencyMs };
    };
    const readChunk = (p: ProviderHandle, part: readonly string[], cancel: Cancel): Promise<ChunkAnswer> =>
      p.hasMulticall && this.multicallAt(at) ? multicall(p, part, cancel) : getBalances(p, part, cancel);
    const deadlineAt = this.deps.retry.now() + this.deps.deadlineMs;
    try {
      const result = await readBatch({
        addresses,
        providers: order,
        weight: (p) => scores.get(p) ?? 0,
        maxPerCall: this.deps.maxPerCall,
        readChunk,
        budget: this.deps.budget,
        deadlineMs: this.deps.deadlineMs,
        hedgeDelayMs: () => CHUNK_HEDGE_DELAY_MS,
        called: () => this.deps.retry.called(),
        rounds: (pass, cost) => this.deps.retry.rounds({ pass, deadlineAt, askableInMs: this.deps.askableInMs, cost }),
      });
      return { wei: result.values, latencyMs: result.latencyMs, requests: result.requests };
    } catch (error) {
      if (!(error instanceof BatchReadError)) throw error;
      const failures = error.failures as Map<ProviderHandle, UpstreamError>;
      const code = error.kind === 'state' ? 'STATE_UNAVAILABLE' : 'UPSTREAM_UNAVAILABLE';
      throw this.deps.unavailable(`${error.message} at block ${at.numberHex}`, failures, order, code);
    }
  }
}
