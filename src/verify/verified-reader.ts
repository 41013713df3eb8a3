/**
 * A verified read: the trust chain from a quorum down to a balance.
 *
 *   1. block hash: at least the quorum of usable providers (quorum.ts) report the same hash for
 *      the block number, each in a header that hashes to it (header.ts; one that does not is a lie);
 *   2. header: one of those checked headers, so its stateRoot is the one the hash commits to;
 *      cached per block hash, agreed once per block however many reads need it;
 *   3. balance: eth_getProof at {blockHash} from any provider, verified against that stateRoot
 *      (account-proof.ts); a proof that fails, or claims another balance than it proves, is a lie
 *      and the read moves on to the next provider.
 *
 * A liar is reported through `distrust` (the router marks it untrusted and leaves it out); the
 * reader never serves from it. The router owns providers, calls and errors; this class only needs
 * the narrow VerifyDeps, so it is tested against real nodes without the router.
 */
import { Cancel } from '../chain/cancel.js';
import type { Head } from '../chain/head.js';
import { UpstreamError } from '../chain/upstream-error.js';
import { ProofError, verifyAccountProof } from './account-proof.js';
import { checkHeader, HeaderError, type CheckedHeader } from './header.js';
import type { ProofVerifier } from './proof-task.js';
import { agreeOnHash, quorumNeeded, type HashVote } from './quorum.js';

/** Why a provider gave no verified answer, for the 502 body (redacted by the caller). */
export interface VerifyCause {
  readonly kind: string;
  readonly error: string;
}

export interface VerifyDeps<P extends { readonly name: string }> {
  /** Providers that may serve and vote for a read at `at` now (right chain, not untrusted, not failing), best first. */
  usable(at: Head): readonly P[];
  /** One JSON-RPC call; resolves with the raw result, rejects with an UpstreamError. */
  call(p: P, method: string, params: readonly unknown[], cancel: Cancel, requestId: string | undefined): Promise<{ result: unknown; latencyMs: number }>;
  /** `p` answered something the math refutes: leave it out (the router's cool-down, log, metric). */
  distrust(p: P, cause: string, requestId: string | undefined): void;
  /**
   * Runs `read` over `order`, best first, until one resolves: the router's failover (hedged within
   * the request deadline). Rejects with an UpstreamError when none did; `failures` holds each cause.
   */
  firstOf<R>(order: readonly P[], read: (p: P, cancel: Cancel) => Promise<R>, failures: Map<P, UpstreamError>): Promise<R>;
  /** The error to reject with when nothing verifies: every provider's cause goes in its body. */
  unverifiable(detail: string, causes: ReadonlyMap<P, VerifyCause>): Error;
  /** VERIFY_QUORUM; undefined: a majority of the usable providers. */
  readonly quorum: number | undefined;
  readonly deadlineMs: number;
  /** Checks a proof (default: inline verifyAccountProof; the codec pool's when WORKERS > 0). */
  readonly verifyProof?: ProofVerifier | undefined;
}

export interface VerifiedBalance {
  readonly wei: bigint;
  readonly stateRoot: string;
  readonly blockHash: string;
  readonly provider: string;
  /** Round trip of the proof read that produced the value. */
  readonly latencyMs: number;
  readonly proofBytes: number;
}

/** Headers kept per block hash: a few minutes of mainnet blocks, and any pinned older ones. */
const HEADER_CACHE_SIZE = 256;

export class VerifiedReader<P extends { readonly name: string }> {
  private readonly headers = new Map<string, CheckedHeader>();
  private readonly agreeing = new Map<string, Promise<CheckedHeader>>();

  private readonly verifyProof: ProofVerifier;

  constructor(private readonly deps: VerifyDeps<P>) {
    this.verifyProof = deps.verifyProof ?? verifyAccountProof;
  }

  /** The checked header of `at`, once a quorum agrees on its hash; cached per block hash. */
  header(at: Head, requestId?: string): Promise<CheckedHeader> {
    const cached = this.headers.get(at.hash);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.agreeing.get(at.hash);
    if (pending === undefined) {
      pending = this.agree(at, requestId).finally(() => this.agreeing.delete(at.hash));
      this.agreeing.set(at.hash, pending);
    }
    return pending;
  }

  /**
   * The proven balance of `address` at `at`; rejects with deps.unverifiable when nothing verifies.
   * A proof that fails is the provider's lie: it is distrusted and the read moves on (hedged like
   * any read, so a slow provider does not hold it either).
   */
  async read(address: string, at: Head, requestId?: string): Promise<VerifiedBalance> {
    const header = await this.header(at, requestId);
    const failures = new Map<P, UpstreamError>();
    const params = [address, [], { blockHash: at.hash }];
    try {
      return await this.deps.firstOf(
        this.deps.usable(at),
        async (p, cancel) => {
          const answer = await this.deps.call(p, 'eth_getProof', params, cancel, requestId);
          // No proof at that block (not synced to it, or its state pruned): not a lie, next provider.
          if (answer.result === null) throw new UpstreamError('block-not-found', p.name, `no proof at block ${at.hash}`);
          let proven;
          try {
            proven = await this.verifyProof(address, answer.result, header.stateRoot);
          } catch (error) {
            if (!(error instanceof ProofError)) throw error;
            this.deps.distrust(p, error.message, requestId);
            throw new UpstreamError('unverifiable', p.name, error.message);
          }
          return { wei: proven.wei, stateRoot: header.stateRoot, blockHash: header.hash, provider: p.name, latencyMs: answer.latencyMs, proofBytes: proven.proofBytes };
        },
        failures,
      );
    } catch (error) {
      // Our own bug surfaces as itself, never as "no provider could prove it".
      if (!(error instanceof UpstreamError)) throw error;
      const causes = new Map<P, VerifyCause>([...failures].map(([p, e]) => [p, { kind: e.kind, error: e.message }]));
      throw this.deps.unverifiable(`no provider gave a verifiable proof of the balance at block ${at.numberHex}`, causes);
    }
  }

  private async agree(at: Head, requestId: string | undefined): Promise<CheckedHeader> {
    const voters = this.deps.usable(at);
    const causes = new Map<P, VerifyCause>();
    const needed = quorumNeeded(voters.length, this.deps.quorum);
    const votes: HashVote[] = voters.map((p) => ({ provider: p.name, hash: undefined }));
    const checked = new Map<string, CheckedHeader>();
    const deadline = new Cancel();
    const timer = setTimeout(() => deadline.cancel('deadline'), this.deps.deadlineMs);
    // With a majority quorum no other hash can reach it too, so the first hash to reach it wins
    // without waiting for slower providers; a lower configured quorum waits for every answer.
    const earlyOk = 2 * needed > voters.length;
    try {
      await new Promise<void>((resolve) => {
        let left = voters.length;
        if (left === 0) resolve();
        const done = () => {
          if (--left === 0) resolve();
        };
        voters.forEach((p, i) => {
          this.deps.call(p, 'eth_getBlockByNumber', [at.numberHex, false], deadline, requestId).then(
            ({ result }) => {
              if (result === null) {
                // Does not have the block (yet): no vote, and not a lie.
                causes.set(p, { kind: 'block-not-found', error: `block ${at.numberHex} not found` });
                done();
                return;
              }
              try {
                const header = checkHeader(result);
                if (header.number !== at.number) throw new HeaderError(`asked for block ${at.numberHex}, answered block 0x${header.number.toString(16)}`);
                checked.set(header.hash, header);
                votes[i] = { provider: p.name, hash: header.hash };
                if (earlyOk && votes.filter((v) => v.hash === header.hash).length >= needed) resolve();
              } catch (error) {
                if (error instanceof HeaderError) {
                  causes.set(p, { kind: 'unverifiable', error: error.message });
                  this.deps.distrust(p, error.message, requestId);
                } else {
                  // Our own bug, not the provider's fault: no vote, no blame, and no unhandled rejection.
                  causes.set(p, { kind: 'internal', error: String(error) });
                }
              }
              done();
            },
            (error: unknown) => {
              causes.set(p, causeOf(error));
              done();
            },
          );
        });
      });
    } finally {
      clearTimeout(timer);
    }
    const quorum = agreeOnHash(votes, this.deps.quorum);
    if (!quorum.agreed) throw this.deps.unverifiable(`no quorum for the hash of block ${at.numberHex}: ${quorum.reason}`, causes);
    if (quorum.hash !== at.hash) {
      throw this.deps.unverifiable(`a quorum reports ${quorum.hash} for block ${at.numberHex}, not the pinned ${at.hash}`, causes);
    }
    const header = checked.get(quorum.hash)!;
    this.remember(header);
    return header;
  }

  private remember(header: CheckedHeader): void {
    if (this.headers.size >= HEADER_CACHE_SIZE) this.headers.delete(this.headers.keys().next().value!);
    this.headers.set(header.hash, header);
  }
}

function causeOf(error: unknown): VerifyCause {
  if (error instanceof UpstreamError) return { kind: error.kind, error: error.message };
  return { kind: 'bad-response', error: error instanceof Error ? error.message : String(error) };
}
