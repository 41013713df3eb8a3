/**
 * What the balance service needs from its upstreams. The router behind it decides which provider
 * answers; the service only ever sees a head and balances read at that head.
 */
import type { Head } from '../chain/head.js';

export interface BalanceRead {
  readonly wei: bigint;
  /** Upstream round trip of the read that produced the value. */
  readonly latencyMs: number;
  readonly provider: string;
}

export type ProviderState = 'healthy' | 'cooling' | 'open' | 'wrong-chain' | 'lagging' | 'unknown';

/** One provider as operators see it on /providers: redacted, no secret. */
export interface ProviderSnapshot {
  readonly name: string;
  readonly url: string;
  readonly chainId: number | undefined;
  readonly head: string | undefined;
  readonly lag: number | undefined;
  readonly score: number;
  readonly state: ProviderState;
  readonly latencyMs: number | undefined;
  readonly requests: number;
  readonly errors: number;
  readonly lastError: string | undefined;
}

export interface Upstream {
  /** Network name of the chain served ("mainnet", "devnet", ...); undefined until known. */
  network(): string | undefined;
  /** Checks chain ids; resolves once at least one provider is usable or rejects if none. */
  start(): Promise<void>;
  /** The service head if fresh enough to serve right now, without waiting. */
  currentHead(): Head | undefined;
  /** A fresh service head, waiting for a refresh when needed. */
  head(): Promise<Head>;
  /** The balance at exactly `at`; rejects with a ServiceError (502) when no provider can answer. */
  getBalance(address: string, at: Head): Promise<BalanceRead>;
  /** The last service head seen, however old (for /readyz and metrics). */
  lastHead(): { head: Head; ageMs: number } | undefined;
  ready(): boolean;
  snapshot(): ProviderSnapshot[];
  close(): Promise<void>;
}
