/**
 * Chain ids and heads, per provider, and the service head made of them.
 *
 * - Chain: eth_chainId at start and every CHAIN_CHECK_INTERVAL_MS after, riding along with a head
 *   poll (one JSON-RPC batch), so an idle service polls nothing. Until a provider has said whether
 *   it has Multicall3 (UPSTREAM_MULTICALL=auto), eth_getCode of it rides along too: batch reads
 *   then know their way before the first batch, and never spend a request finding out.
 * - Heads: a polling round asks each usable provider for its latest block, resolves soon after the
 *   first answer (a hung provider must not hold the head) and lets late answers update their
 *   provider. The service head is the consensus of router/head-consensus.ts.
 * - Probes: a provider whose circuit is half-open is probed by its head poll. When no right-chain
 *   provider has a closed circuit, all of them are polled (last resort): waiting out cooldowns would
 *   turn a recovered provider into seconds of 502s, and with a single provider, always.
 * - Checked heads (VERIFY_PROOFS=on): a latest block whose header does not hash to the hash it
 *   claims is a lie (src/verify/header.ts): the poll fails as 'unverifiable' and the provider is
 *   reported through `distrust`, which leaves it out of heads, reads and votes for a while.
 */
import { parseBlock, type Head } from '../chain/head.js';
import { MULTICALL3 } from '../chain/multicall.js';
import { checkHeader, HeaderError } from '../verify/header.js';
import { UpstreamError } from '../chain/upstream-error.js';
import type { Config } from '../config/config.js';
import { errorLogFields } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { consensusHead } from './head-consensus.js';
import { parseChainId, type ProviderCalls } from './provider-calls.js';
import type { ChainView } from './chain-view.js';
import type { ProviderHandle } from './provider.js';
import type { RetryPolicy } from './retry-policy.js';

/** A provider's head older than this (or 3 head lifetimes) no longer counts toward the consensus. */
const HEAD_FRESH_FLOOR_MS = 3000;
/** After the first answer of a round, wait this long at most for the others (ms). */
const MAX_GRACE_MS = 250;

export interface HeadPollerDeps {
  readonly providers: readonly ProviderHandle[];
  /** The expected chain and the newest block number; this poller is its only writer. */
  readonly view: ChainView;
  readonly calls: ProviderCalls;
  readonly config: Config;
  readonly log: Logger;
  readonly clock: () => number;
  readonly chainCheckIntervalMs: number;
  /** Number of the newest head already served: lag also counts from it. */
  readonly served: () => bigint | undefined;
  /** The error when no head can be had (the router lists every provider's cause). */
  readonly unavailable: (detail: string) => Error;
  /** Check every latest block's header hash (VERIFY_PROOFS=on). */
  readonly checkHeads?: boolean;
  /** A provider whose head failed the check: the router marks it untrusted. */
  readonly distrust?: (p: ProviderHandle, cause: string) => void;
  /** Where this chain's Multicall3 lives (default: the canonical address). */
  readonly multicall3?: string | undefined;
  /** Retries a failed chain id check or head poll after a backoff (router/retry-policy.ts). */
  readonly retry?: RetryPolicy;
}

export class HeadPoller {
  private started = false;
  private closed = false;
  private readonly freshMs: number;

  constructor(private readonly deps: HeadPollerDeps) {
    this.freshMs = Math.max(HEAD_FRESH_FLOOR_MS, 3 * deps.config.headMaxAgeMs);
    this.parseHead = deps.checkHeads === true ? checkedHead : parseBlock;
  }

  private readonly parseHead: (result: unknown, provider: string) => Head | undefined;

  /** Checks every provider's chain id; the first configured provider that answered decides when none is expected. */
  async start(): Promise<void> {
    await Promise.all(
      this.deps.providers.map((p) => {
        const chain = this.retried(p, (again) => this.deps.calls.invoke(p, 'eth_chainId', [], parseChainId, { again })).then(
          ({ value }) => this.learnChain(p, value),
          (error: unknown) => this.failedPoll(p, error, 'chain id check failed'),
        );
        // Asked in the same turn (one batch), its answer kept once the chain is learnt (which resets it).
        return Promise.all([chain, this.askMulticall(p, false, chain)]);
      }),
    );
    const first = this.deps.providers.find((p) => p.chainId !== undefined)?.chainId;
    if (first !== undefined) this.deps.view.expect(first);
    this.started = true;
    const now = this.deps.clock();
    for (const p of this.deps.providers) this.report(p, now);
  }

  close(): void {
    this.closed = true;
  }

  /** One polling round, then the consensus head; rejects with `unavailable` when there is none. */
  refresh(): Promise<Head> {
    if (this.closed) return Promise.reject(this.deps.unavailable('shutting down'));
    const now = this.deps.clock();
    let round = this.deps.providers.filter((p) => p.claimPoll(now, this.deps.chainCheckIntervalMs));
    let lastResort = false;
    if (round.length === 0) {
      round = this.lastResortPolls(now);
      lastResort = true;
    }
    if (round.length === 0) return Promise.resolve().then(() => this.settle());
    return new Promise<Head>((resolve, reject) => {
      let left = round.length;
      let done = false;
      let grace: NodeJS.Timeout | undefined;
      const finish = () => {
        if (done) return;
        done = true;
        if (grace !== undefined) clearTimeout(grace);
        try {
          resolve(this.settle());
        } catch (error) {
          reject(error);
        }
      };
      for (const p of round) {
        void this.poll(p, lastResort).then((latency) => {
          if (latency !== undefined && grace === undefined && !done) grace = setTimeout(finish, Math.min(MAX_GRACE_MS, Math.max(20, latency)));
          if (--left === 0) finish();
        });
      }
    });
  }

  private lastResortPolls(now: number): ProviderHandle[] {
    if (this.deps.providers.some((p) => p.onExpectedChain() && p.circuitClosed(now))) return [];
    return this.deps.providers.filter((p) => !p.pollInFlight && p.isLastResort(now));
  }

  /** Asks `p` for its latest block (and chain id when due). Never rejects; the latency on success. */
  private async poll(p: ProviderHandle, lastResort: boolean): Promise<number | undefined> {
    const { calls, view } = this.deps;
    p.pollStarted();
    const now = this.deps.clock();
    const chainDue = p.chainDue(now, this.deps.chainCheckIntervalMs);
    const chain = chainDue ? this.retried(p, (again) => calls.invoke(p, 'eth_chainId', [], parseChainId, { lastResort, again })) : undefined;
    const multicall = chainDue ? this.askMulticall(p, lastResort) : undefined;
    const block =
      p.chainId === undefined || p.onExpectedChain()
        ? this.retried(p, (again) =>
            calls.invoke(p, 'eth_getBlockByNumber', ['latest', false], (result) => this.parseHead(result, p.name), { lastResort, again }),
          )
        : undefined;
    const [chainResult, blockResult] = await Promise.allSettled([chain, block, multicall]);
    p.pollEnded();
    if (chainResult.status === 'fulfilled' && chainResult.value !== undefined) this.learnChain(p, chainResult.value.value);
    else if (chainResult.status === 'rejected') this.failedPoll(p, chainResult.reason, 'chain id check failed');
    if (blockResult.status === 'rejected') {
      const reason: unknown = blockResult.reason;
      if (reason instanceof UpstreamError && reason.kind === 'unverifiable') this.deps.distrust?.(p, reason.message);
      if (!this.failedPoll(p, reason, 'head poll failed')) p.latestFailed();
      return undefined;
    }
    if (blockResult.value === undefined || p.chainId !== view.chainId) return undefined;
    p.latestAnswered(blockResult.value.value, this.deps.clock(), this.freshMs);
    return blockResult.value.latencyMs;
  }

  /**
   * `call`, and again after a backoff while it fails with a retryable error, within one request
   * deadline and the retry budget, so one lost answer does not cost the provider its head or the
   * service its readiness (with one provider, a lost poll is a lost head). `again`: a retry,
   * whose failure is not held against the breaker a second time (one poll opens no circuit).
   */
  private retried<T>(p: ProviderHandle, call: (again: boolean) => Promise<T>): Promise<T> {
    const { retry, clock } = this.deps;
    if (retry === undefined) return call(false);
    return retry.rounds({
      pass: (round) => {
        if (round === 0) retry.called();
        return call(round > 0);
      },
      deadlineAt: clock() + this.deps.config.requestDeadlineMs,
      askableInMs: () => [Math.max(0, p.coolingForMs(clock()))],
    });
  }

  /**
   * A poll's rejection: a provider's failure (already recorded by ProviderCalls) is logged at
   * start only; anything else is our own bug, logged with its stack and never held against the
   * provider. Returns whether it was ours.
   */
  private failedPoll(p: ProviderHandle, error: unknown, message: string): boolean {
    if (error instanceof UpstreamError) {
      if (!this.started) this.deps.log.warn({ provider: p.name, err: this.deps.calls.redact(error.message) }, message);
      return false;
    }
    this.deps.log.error({ provider: p.name, ...errorLogFields(error) }, `${message}: internal error`);
    return true;
  }

  /**
   * eth_getCode of Multicall3 at the latest block, while `p` has not said (UPSTREAM_MULTICALL=auto),
   * issued in the caller's turn so it rides in the chain check's JSON-RPC batch. Never rejects: a
   * failed ask is asked again at the next chain check.
   */
  private askMulticall(p: ProviderHandle, lastResort: boolean, after?: Promise<unknown>): Promise<void> | undefined {
    if (this.deps.config.upstreamMulticall !== 'auto' || !p.multicallUnknown) return undefined;
    return Promise.all([this.deps.calls.invoke(p, 'eth_getCode', [this.deps.multicall3 ?? MULTICALL3, 'latest'], parseCode, { lastResort }), after]).then(
      ([{ value }]) => p.multicallAnswered(value.length > 2),
      (error: unknown) => {
        // A provider's failure is the chain check's to report (same request); ours is logged.
        if (!(error instanceof UpstreamError)) this.failedPoll(p, error, 'Multicall3 code check failed');
      },
    );
  }

  private learnChain(p: ProviderHandle, id: number): void {
    p.chainAnswered(id, this.deps.clock());
    if (this.started) this.deps.view.expect(id);
  }

  private settle(): Head {
    const now = this.deps.clock();
    const views = this.deps.providers.map((p) => p.headView(now));
    const consensus = consensusHead(views, now, this.deps.config.maxHeadLagBlocks, this.freshMs, this.deps.served());
    this.deps.view.newestIs(consensus.newest);
    for (const p of this.deps.providers) this.report(p, now);
    if (consensus.head === undefined) throw this.deps.unavailable('no provider on the expected chain has a recent head');
    return consensus.head;
  }

  /** Logs a provider's state when it changes between healthy, wrong chain and lagging. */
  private report(p: ProviderHandle, now: number): void {
    const { log, config } = this.deps;
    const lag = p.lag();
    const state = p.state(now);
    // Open and cooling are logged where they happen; "healthy" only once its head is known again.
    if (state === p.reportedState || state === 'open' || state === 'cooling' || (state === 'healthy' && lag === undefined)) return;
    const previous = p.reportedAs(state);
    if (state === 'wrong-chain') {
      log.error({ provider: p.name, chainId: p.chainId, expected: this.deps.view.chainId }, 'provider is on the wrong chain: never read from');
    } else if (state === 'lagging') {
      log.warn({ provider: p.name, lag, max: config.maxHeadLagBlocks }, 'provider lags behind the head: not read from');
    } else if (state === 'healthy' && previous !== 'unknown') {
      log.info({ provider: p.name, was: previous }, 'provider usable again');
    }
  }
}

/**
 * A latest block as parseBlock reads it, but only if its header hashes to the hash it claims: one
 * that does not is a lie, whatever call it came in (an UpstreamError, so the call is the provider's
 * failure; the poll reports it to the router).
 */
function checkedHead(result: unknown, provider: string): Head | undefined {
  const head = parseBlock(result);
  if (head === undefined) return undefined;
  try {
    checkHeader(result, head.hash);
  } catch (error) {
    if (error instanceof HeaderError) throw new UpstreamError('unverifiable', provider, error.message);
    throw error;
  }
  return head;
}

/** eth_getCode's answer: 0x and hex digits ("0x": no code). */
function parseCode(result: unknown): string | undefined {
  return typeof result === 'string' && result.startsWith('0x') && result.length % 2 === 0 ? result : undefined;
}
