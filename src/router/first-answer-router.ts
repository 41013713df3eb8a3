/**
 * The simplest correct router: providers in configured order, the first that answers wins.
 * Chain ids are checked; a provider on another chain is never read from.
 */
import type { Config } from '../config/config.js';
import { networkName, parseBlock, parseQuantity, type Head } from '../chain/head.js';
import { HeadTracker } from '../chain/head-tracker.js';
import { RpcClient } from '../chain/rpc-client.js';
import { UpstreamError } from '../chain/upstream-error.js';
import { ServiceError } from '../errors.js';
import { redactText, redactUrl } from '../observability/redact.js';
import type { Logger } from '../observability/logger.js';
import type { BalanceRead, ProviderSnapshot, Upstream } from './upstream.js';

interface Provider {
  readonly client: RpcClient;
  readonly url: string;
  chainId: number | undefined;
  requests: number;
  errors: number;
  lastError: string | undefined;
}

export class FirstAnswerRouter implements Upstream {
  private readonly providers: Provider[];
  private readonly tracker: HeadTracker;
  private chainId: number | undefined;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.chainId = config.expectedChainId;
    this.providers = config.providers.map((p) => ({
      client: new RpcClient(p, { timeoutMs: config.upstreamTimeoutMs }),
      url: redactUrl(p.url),
      chainId: undefined,
      requests: 0,
      errors: 0,
      lastError: undefined,
    }));
    this.tracker = new HeadTracker(() => this.fetchHead(), config.headMaxAgeMs);
  }

  network(): string | undefined {
    return this.chainId === undefined ? undefined : networkName(this.chainId);
  }

  async start(): Promise<void> {
    await Promise.all(this.providers.map((p) => this.checkChain(p)));
    if (!this.providers.some((p) => this.usable(p))) {
      throw new ServiceError('UPSTREAM_UNAVAILABLE', 'no provider on the expected chain answered', {
        extra: { providers: this.causes() },
      });
    }
  }

  private async checkChain(p: Provider): Promise<void> {
    try {
      const { result } = await this.track(p, p.client.call('eth_chainId', []));
      const id = parseQuantity(result);
      if (id === undefined) throw new UpstreamError('bad-response', p.client.name, 'malformed eth_chainId');
      p.chainId = Number(id);
      this.chainId ??= p.chainId;
      if (p.chainId !== this.chainId) {
        this.log.error({ provider: p.client.name, chainId: p.chainId, expected: this.chainId }, 'provider is on the wrong chain');
      }
    } catch (error) {
      this.log.warn({ provider: p.client.name, err: this.describe(error) }, 'chain id check failed');
    }
  }

  private usable(p: Provider): boolean {
    return p.chainId !== undefined && p.chainId === this.chainId;
  }

  private async track<T>(p: Provider, call: Promise<T>): Promise<T> {
    p.requests++;
    try {
      return await call;
    } catch (error) {
      p.errors++;
      p.lastError = this.describe(error);
      throw error;
    }
  }

  private describe(error: unknown): string {
    return redactText(error instanceof Error ? error.message : String(error), this.config.secrets);
  }

  /** Runs `read` on each usable provider in order until one answers. */
  private async firstAnswer<T>(read: (p: Provider) => Promise<T>): Promise<T> {
    const failures: UpstreamError[] = [];
    for (const p of this.providers) {
      if (p.chainId === undefined) await this.checkChain(p);
      if (!this.usable(p)) continue;
      try {
        return await this.track(p, read(p));
      } catch (error) {
        const e = error instanceof UpstreamError ? error : new UpstreamError('bad-response', p.client.name, this.describe(error));
        failures.push(e);
        if (!e.retryable) break;
      }
    }
    throw new ServiceError('UPSTREAM_UNAVAILABLE', 'every upstream provider failed', {
      extra: { providers: failures.map((f) => ({ name: f.provider, kind: f.kind, error: redactText(f.message, this.config.secrets) })) },
    });
  }

  private fetchHead(): Promise<Head> {
    return this.firstAnswer(async (p) => {
      const { result } = await p.client.call('eth_getBlockByNumber', ['latest', false]);
      const head = parseBlock(result);
      if (head === undefined) throw new UpstreamError('bad-response', p.client.name, 'malformed block');
      return head;
    });
  }

  currentHead(): Head | undefined {
    return this.tracker.current();
  }

  head(): Promise<Head> {
    return this.tracker.get();
  }

  getBalance(address: string, at: Head): Promise<BalanceRead> {
    return this.firstAnswer(async (p) => {
      const { result, latencyMs } = await p.client.call('eth_getBalance', [address, { blockHash: at.hash }]);
      const wei = parseQuantity(result);
      if (wei === undefined) throw new UpstreamError('bad-response', p.client.name, 'malformed balance');
      return { wei, latencyMs, provider: p.client.name };
    });
  }

  lastHead(): { head: Head; ageMs: number } | undefined {
    return this.tracker.last();
  }

  ready(): boolean {
    return this.providers.some((p) => this.usable(p)) && this.tracker.last() !== undefined;
  }

  private causes(): { name: string; error: string | undefined }[] {
    return this.providers.map((p) => ({ name: p.client.name, error: p.lastError }));
  }

  snapshot(): ProviderSnapshot[] {
    const head = this.tracker.last()?.head;
    return this.providers.map((p) => ({
      name: p.client.name,
      url: p.url,
      chainId: p.chainId,
      head: head?.numberHex,
      lag: undefined,
      score: this.usable(p) ? 1 : 0,
      state: p.chainId === undefined ? 'unknown' : this.usable(p) ? 'healthy' : 'wrong-chain',
      latencyMs: undefined,
      requests: p.requests,
      errors: p.errors,
      lastError: p.lastError,
    }));
  }

  async close(): Promise<void> {
    await Promise.all(this.providers.map((p) => p.client.close()));
  }
}
