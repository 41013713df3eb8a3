/**
 * What the balance service needs from its upstreams. The router behind it decides which provider
 * answers; the service only ever sees a head and balances read at that head.
 */
import type { BlockTag } from '../chain/block-tag.js';
import type { Head } from '../chain/head.js';
import type { UpstreamErrorKind } from '../chain/upstream-error.js';

export type { UpstreamErrorKind };

/**
 * How one upstream call ended: 'ok', the kind of failure, or 'hedge' for a call withdrawn because
 * another provider answered the same read first. Every call the router makes is reported exactly
 * once, so the counts add up to the upstream traffic.
 */
export type CallOutcome = 'ok' | UpstreamErrorKind | 'hedge';

/**
 * Observer for upstream calls (metrics, tracing): provider name (never a URL), JSON-RPC method,
 * outcome, round trip, and how many calls of that method shared the round trip with that outcome
 * (a batch read's chunk reports its calls once, not once per call).
 */
export type CallObserver = (provider: string, method: string, outcome: CallOutcome, latencyMs: number, calls?: number) => void;

export interface BalanceRead {
  readonly wei: bigint;
  /** Upstream round trip of the read that produced the value. */
  readonly latencyMs: number;
  readonly provider: string;
}

export interface BalancesRead {
  /** Wei per address, in the order asked. */
  readonly wei: readonly bigint[];
  /** Slowest upstream round trip the read needed. */
  readonly latencyMs: number;
  /** HTTP requests the read sent. */
  readonly requests: number;
}

/** A verified read (src/verify/): the balance proven against the state root of a quorum's block. */
export interface VerifiedBalanceRead extends BalanceRead {
  readonly stateRoot: string;
  readonly blockHash: string;
}

/** 'untrusted': caught lying (an answer that fails verification), left out for UNTRUSTED_COOLDOWN_SECONDS. */
export type ProviderState = 'healthy' | 'cooling' | 'open' | 'wrong-chain' | 'lagging' | 'untrusted' | 'unknown';

/** One provider as operators see it on /providers: redacted, no secret. */
export interface ProviderSnapshot {
  readonly name: string;
  readonly url: string;
  readonly chainId: number | undefined;
  /** The provider's own latest block number (hex). */
  readonly head: string | undefined;
  /** Blocks behind the newest head among usable providers. */
  readonly lag: number | undefined;
  /** Health score in [0, 1], higher is better (see router/scoring.ts). */
  readonly score: number;
  readonly state: ProviderState;
  /** EWMA latency of answered calls. */
  readonly latencyMs: number | undefined;
  /** p95 of the last answered calls; the hedge delay derives from it. */
  readonly p95Ms?: number | undefined;
  /** Calls and errors since start. */
  readonly requests: number;
  readonly errors: number;
  /** Outcomes over the last 30 s (rateLimited: cooldowns started). */
  readonly recent?: { readonly ok: number; readonly errors: number; readonly rateLimited: number };
  /** For 'open', 'cooling' and 'untrusted': milliseconds until the provider is tried again. */
  readonly retryInMs?: number | undefined;
  /** Answers that failed verification since start (src/verify/). */
  readonly lies?: number;
  readonly lastError: string | undefined;
}

export interface Upstream {
  /** Network name of the chain served ("mainnet", "devnet", ...); undefined until known. */
  network(): string | undefined;
  /** Chain id of the chain served; undefined until known (the shared cache keys by it). */
  chainId(): number | undefined;
  /** Checks chain ids; resolves once at least one provider is usable or rejects if none. */
  start(): Promise<void>;
  /** The service head if fresh enough to serve right now (`now`: the router's clock), without waiting. */
  currentHead(now?: number): Head | undefined;
  /** A fresh service head, waiting for a refresh when needed. */
  head(): Promise<Head>;
  /**
   * The balance at exactly `at`; rejects with a ServiceError (502) when no provider can answer.
   * `requestId` goes on the log lines the read causes.
   */
  getBalance(address: string, at: Head, requestId?: string): Promise<BalanceRead>;
  /** The block `tag` resolves to if known and fresh at `now`, without waiting (cache hits at any tag). */
  currentBlock(tag: BlockTag, now?: number): Head | undefined;
  /** The one block `tag` resolves to; rejects with BLOCK_NOT_FOUND (404) or a 502. */
  resolveBlock(tag: BlockTag, requestId?: string): Promise<Head>;
  /**
   * Balances of distinct `addresses` at exactly `at`, in JSON-RPC batches of at most
   * UPSTREAM_BATCH_MAX calls spread over healthy providers; all or nothing.
   */
  getBalances(addresses: readonly string[], at: Head, requestId?: string): Promise<BalancesRead>;
  /**
   * The balance at exactly `at`, proven: `at`'s hash agreed by VERIFY_QUORUM providers, its header
   * hashing to it, an account proof verified against its stateRoot. Rejects with a ServiceError
   * (502 UNVERIFIABLE) listing each provider's cause when no provider yields a verifiable answer.
   */
  getVerifiedBalance(address: string, at: Head, requestId?: string): Promise<VerifiedBalanceRead>;
  /** The state root of `at` once a quorum agrees on its hash and its header hashes to it (cached per block hash). */
  verifiedStateRoot(at: Head, requestId?: string): Promise<string>;
  /** The last service head seen, however old (for /readyz and metrics). */
  lastHead(): { head: Head; ageMs: number } | undefined;
  ready(): boolean;
  snapshot(): ProviderSnapshot[];
  close(): Promise<void>;
}
