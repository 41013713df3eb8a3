/**
 * Health-scored multi-provider reads: the Upstream the service uses.
 *
 * - Chain and head: router/head-poller.ts (per-provider chain ids and heads while requests flow,
 *   the service head as their consensus, probes for open circuits).
 * - Reads: pinned by block hash (EIP-1898), ranked by score (router/scoring.ts) with a little
 *   exploration, failed over and hedged within REQUEST_DEADLINE_MS (router/failover.ts). A provider
 *   without the block is skipped for that read only; when no provider answers, a 502 lists each
 *   one's redacted cause.
 * - Verified reads (src/verify/): a quorum's block hash -> its checked header -> an account proof
 *   against its stateRoot; a provider failing that is untrusted for UNTRUSTED_COOLDOWN_SECONDS.
 * - Last resort: when every right-chain provider's circuit is open, they are asked anyway (a success
 *   closes it). Rate-limited providers are never asked before their Retry-After.
 */
import { BlockResolver } from '../chain/block-resolver.js';
import type { BlockTag } from '../chain/block-tag.js';
import { parseQuantity, type Head } from '../chain/head.js';
import type { NetworkFacts } from '../chain/chain-facts.js';
import { networkName } from '../chain/networks.js';
import { HeadTracker } from '../chain/head-tracker.js';
import { UpstreamError } from '../chain/upstream-error.js';
import type { Config } from '../config/config.js';
import { ServiceError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { failover } from './failover.js';
import { HeadPoller } from './head-poller.js';
import { HedgeBudget, hedgeDelayMs } from './hedge.js';
import { ProviderCalls } from './provider-calls.js';
import { candidatesFor, type Candidates } from './candidates.js';
import { ChainView } from './chain-view.js';
import { ProviderHandle } from './provider.js';
import { causesOf, snapshotOf, type ChainBar } from './provider-report.js';
import { TagReads } from './tag-reads.js';
import { askableInMs, retryAfterSeconds } from './retry-after.js';
import { createRetryShared, RetryPolicy, type RetryShared } from './retry-policy.js';
import type { BalanceRead, BalancesRead, CallObserver, ProviderSnapshot, Upstream, VerifiedBalanceRead } from './upstream.js';
import { VerifiedReader, type VerifyCause } from '../verify/verified-reader.js';
import type { ProofVerifier } from '../verify/proof-task.js';

const NO_CANDIDATES = 'no provider can serve reads right now';

/** For reads at no particular block: every usable provider counts as having it. */
const ANY_BLOCK: Head = Object.freeze({ number: 0n, hash: '', numberHex: '0x0' });

export interface ProviderRouterOptions {
  /** Told about every upstream call (metrics, tracing). */
  readonly onCall?: CallObserver;
  /** Monotonic milliseconds (tests drive it). */
  readonly clock?: () => number;
  readonly random?: () => number;
  /** How often a provider's chain id is checked again (default: config.chainCheckIntervalMs). */
  readonly chainCheckIntervalMs?: number;
  /** The chain's Multicall3 deployment and EVM quirks (default: today's single chain, chain/chain-facts.ts). */
  readonly facts?: Pick<NetworkFacts, 'multicall3' | 'evmBlockNumberIsL1'>;
  /** The process-wide retry budget and counters (default: this router's own). */
  readonly retry?: RetryShared;
  /** Proof checks of verified reads (default inline; app.ts passes the codec pool's). */
  readonly verifyProof?: ProofVerifier | undefined;
}

export class ProviderRouter implements Upstream {
  private readonly providers: ProviderHandle[];
  private readonly view: ChainView;
  private readonly calls: ProviderCalls;
  private readonly poller: HeadPoller;
  private readonly tracker: HeadTracker;
  private readonly budget = new HedgeBudget();
  private readonly verifier: VerifiedReader<ProviderHandle>;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly tagReads: TagReads;
  private readonly blocks: BlockResolver;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    options: ProviderRouterOptions = {},
  ) {
    this.clock = options.clock ?? performance.now.bind(performance);
    this.random = options.random ?? Math.random;
    this.retry = new RetryPolicy(config.retry, options.retry ?? createRetryShared(config.retry, this.clock), this.clock, this.random);
    this.view = new ChainView(config.expectedChainId, config.maxHeadLagBlocks);
    this.providers = config.providers.map((p) => new ProviderHandle(p, config.upstreamTimeoutMs, this.view, config.upstreamBatchMax));
    this.calls = new ProviderCalls(config, log, this.clock, options.onCall);
    this.poller = new HeadPoller({
      providers: this.providers,
      view: this.view,
      calls: this.calls,
      config,
      log,
      clock: this.clock,
      chainCheckIntervalMs: options.chainCheckIntervalMs ?? config.chainCheckIntervalMs,
      served: () => this.tracker.last()?.head.number,
      unavailable: (detail) => this.unavailable(detail, new Map()),
      checkHeads: config.verifyProofs,
      retry: this.retry,
      distrust: (p, cause) => this.distrust(p, cause, undefined),
      multicall3: options.facts?.multicall3.address,
    });
    this.verifier = new VerifiedReader<ProviderHandle>({
      usable: (at) => this.candidates(at, this.clock()).order,
      call: (p, method, params, cancel, requestId) =>
        this.calls.invoke(p, method, params, asIs, { cancel, requestId }).then(({ value, latencyMs }) => ({ result: value.result, latencyMs })),
      distrust: (p, cause, requestId) => this.distrust(p, cause, requestId),
      unverifiable: (detail, causes) => this.unverifiable(detail, causes),
      firstOf: (order, read, failures) =>
        failover({ order, read, failures, budget: this.budget, deadlineMs: config.requestDeadlineMs, hedgeDelayMs: (p) => hedgeDelayMs(p.p95()) }),
      quorum: config.verifyQuorum,
      deadlineMs: config.requestDeadlineMs,
      verifyProof: options.verifyProof,
    });
    this.tracker = new HeadTracker(() => this.poller.refresh(), config.headMaxAgeMs, this.clock);
    this.tagReads = new TagReads({
      calls: this.calls,
      candidates: (at) => this.candidates(at ?? ANY_BLOCK, this.clock()),
      maxPerCall: config.upstreamBatchMax,
      budget: this.budget,
      retry: this.retry,
      askableInMs: () => askableInMs(this.providers, this.clock()),
      deadlineMs: config.requestDeadlineMs,
      unavailable: (detail, failures, tried, code) => this.answered(this.unavailable(detail, failures, tried, code)),
      multicall3: options.facts?.multicall3,
      evmBlockNumberIsL1: options.facts?.evmBlockNumberIsL1,
      newest: () => this.view.newest,
    });
    const reads = this.tagReads;
    this.blocks = new BlockResolver(
      {
        latest: () => this.head(),
        currentLatest: (now) => this.currentHead(now),
        askAll: (tag, requestId) => reads.askAll(tag, requestId),
        byNumber: (n, requestId) => reads.byNumber(n, requestId),
        byHash: (hash, requestId) => reads.byHash(hash, requestId),
      },
      config.headMaxAgeMs,
      this.clock,
    );
  }

  network(): string | undefined {
    const chainId = this.view.chainId;
    return chainId === undefined ? undefined : networkName(chainId);
  }

  chainId(): number | undefined {
    return this.view.chainId;
  }

  async start(): Promise<void> {
    await this.poller.start();
    if (!this.providers.some((p) => p.onExpectedChain())) {
      throw this.unavailable('no provider on the expected chain answered', new Map());
    }
  }

  currentHead(now?: number): Head | undefined {
    return this.tracker.current(now);
  }

  head(): Promise<Head> {
    return this.tracker.get();
  }

  lastHead(): { head: Head; ageMs: number } | undefined {
    return this.tracker.last();
  }

  // ---- reads ---------------------------------------------------------------------------------

  private candidates(at: Head, now: number): Candidates<ProviderHandle> {
    return candidatesFor(this.providers, { at, now, random: this.random });
  }

  /**
   * The balance at `at`: one failover over the ranked candidates, and more rounds of it after a
   * backoff while the deadline, RETRY_MAX_ROUNDS and the retry budget allow (router/retry.ts).
   */
  getBalance(address: string, at: Head, requestId?: string): Promise<BalanceRead> {
    const deadlineAt = this.clock() + this.config.requestDeadlineMs;
    const failures = new Map<ProviderHandle, UpstreamError>();
    const params = [address, { blockHash: at.hash }];
    let order: readonly ProviderHandle[] = [];
    const pass = (round: number): Promise<BalanceRead> => {
      const now = this.clock();
      const candidates = this.candidates(at, now);
      const { explored, lastResort } = candidates;
      order = candidates.order;
      if (order.length === 0) return Promise.reject(new UpstreamError('unavailable', 'router', NO_CANDIDATES));
      // An exploration pick is hedged on the best provider's delay: exploring must not cost clients.
      const bestP95 = explored && order.length > 1 ? order[1]!.p95() : undefined;
      return failover({
        order,
        failures,
        budget: this.budget,
        deadlineMs: deadlineAt - now,
        hedgeDelayMs: (p, attempt) => hedgeDelayMs(attempt === 1 && bestP95 !== undefined ? bestP95 : p.p95()),
        read: (p, cancel) => {
          if (round === 0) this.retry.called();
          return this.calls
            .invoke(p, 'eth_getBalance', params, parseQuantity, { cancel, lastResort, requestId })
            .then(({ value, latencyMs }) => ({ wei: value, latencyMs, provider: p.name }));
        },
      });
    };
    return this.retry
      .rounds({ pass, deadlineAt, askableInMs: () => askableInMs(this.providers, this.clock()), cost: () => order.length })
      .catch((error: unknown) => {
        // Our own bug surfaces as itself (a 500 with its stack logged), never as "no provider answered".
        if (!(error instanceof UpstreamError)) throw error;
        if (failures.size === 0) throw this.answered(this.unavailable(NO_CANDIDATES, failures));
        // Every provider that answered lacks the old state (pruned): not a provider failure, say so.
        const errors = [...failures.values()];
        if (errors.every((e) => e.kind === 'state-unavailable')) {
          throw this.answered(this.unavailable(`no provider has the state at block ${at.numberHex}`, failures, order, 'STATE_UNAVAILABLE'));
        }
        throw this.answered(this.unavailable(`no provider answered the balance at block ${at.numberHex}`, failures, order));
      });
  }

  /** A read's 502 on its way to the client: counted when it tells the client when to come back. */
  private answered(error: ServiceError): ServiceError {
    if (error.retryAfterSeconds !== undefined) this.retry.retryAfterAnswered();
    return error;
  }

  currentBlock(tag: BlockTag, now?: number): Head | undefined {
    return this.blocks.current(tag, now);
  }

  resolveBlock(tag: BlockTag, requestId?: string): Promise<Head> {
    return this.blocks.resolve(tag, requestId);
  }

  getBalances(addresses: readonly string[], at: Head, requestId?: string): Promise<BalancesRead> {
    return this.tagReads.getBalances(addresses, at, requestId);
  }

  getVerifiedBalance(address: string, at: Head, requestId?: string): Promise<VerifiedBalanceRead> {
    return this.verifier.read(address, at, requestId).then(({ wei, latencyMs, provider, stateRoot, blockHash }) => ({ wei, latencyMs, provider, stateRoot, blockHash }));
  }

  verifiedStateRoot(at: Head, requestId?: string): Promise<string> {
    return this.verifier.header(at, requestId).then((header) => header.stateRoot);
  }

  /** `p` answered something the math refutes: untrusted for the cool-down, logged once per episode. */
  private distrust(p: ProviderHandle, cause: string, requestId: string | undefined): void {
    const now = this.clock();
    const err = this.calls.redact(cause);
    if (!p.lied(err, now, now + this.config.untrustedCooldownMs)) return;
    this.log.warn(
      { reqId: requestId, provider: p.name, err, untrustedForMs: this.config.untrustedCooldownMs },
      'provider answer failed verification: untrusted, left out of reads and quorum',
    );
  }

  /** The verified read's 502: each provider's cause for this read, or why it was not asked. */
  private unverifiable(detail: string, causes: ReadonlyMap<ProviderHandle, VerifyCause>): ServiceError {
    const failures = new Map([...causes].map(([p, c]) => [p, { kind: c.kind, error: this.calls.redact(c.error) }] as const));
    const providers = causesOf({ providers: this.providers, failures, now: this.clock(), bar: this.bar() });
    return new ServiceError('UNVERIFIABLE', detail, { extra: { providers } });
  }

  /** The 502: every provider with its redacted cause, tried or not. */
  private unavailable(
    detail: string,
    errors: Map<ProviderHandle, UpstreamError>,
    tried: readonly ProviderHandle[] = [],
    code: 'UPSTREAM_UNAVAILABLE' | 'STATE_UNAVAILABLE' = 'UPSTREAM_UNAVAILABLE',
  ): ServiceError {
    const failures = new Map([...errors].map(([p, e]) => [p, { kind: e.kind, error: this.calls.redact(e.message) }] as const));
    const now = this.clock();
    const providers = causesOf({ providers: this.providers, failures, tried, now, bar: this.bar() });
    return new ServiceError(code, detail, { extra: { providers }, retryAfterSeconds: retryAfterSeconds(askableInMs(this.providers, now)) });
  }

  private bar(): ChainBar {
    return { expectedChainId: this.view.chainId, maxLag: this.config.maxHeadLagBlocks };
  }

  ready(): boolean {
    const now = this.clock();
    return this.tracker.last() !== undefined && this.providers.some((p) => p.isUsable(now));
  }

  snapshot(): ProviderSnapshot[] {
    return snapshotOf(this.providers, this.clock());
  }

  async close(): Promise<void> {
    this.poller.close();
    await Promise.all(this.providers.map((p) => p.client.close()));
  }
}

/** The raw result, wrapped so a null (no such block) is an answer, not a malformed one. */
function asIs(result: unknown): { result: unknown } {
  return { result };
}
