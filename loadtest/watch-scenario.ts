/**
 * The GET /watch load scenario, once: k6's script (watch.ts) and the local Node harness
 * (local/watch-run.ts) both run it. Each VU holds a watch session of a few addresses (the devnet's
 * funded address and cold ones of its own), checks the shape of every message and that each
 * `block` continues the previous message of its subscription, then reconnects (a fresh snapshot).
 * Runtime-neutral: no k6 and no Node imports here.
 */
import { coldAddress, HOT_ADDRESS } from './scenarios.ts';

export interface WatchScenario {
  readonly name: 'watch';
  readonly description: string;
  readonly vus: number;
  readonly duration: string;
  /** One session's length before the VU reconnects (k6 duration). */
  readonly session: string;
  readonly addressesPerVu: number;
  /** k6 threshold expressions on the scenario's own metrics. */
  readonly thresholds: {
    /** subscribe sent -> `subscribed` received (ms). */
    readonly watch_snapshot_ms: readonly string[];
    /** Messages that break the protocol's shapes. */
    readonly watch_bad_messages: readonly string[];
    /** `block` messages whose previousBlockHash is not the block of the previous message. */
    readonly watch_broken_chain: readonly string[];
    /** Sessions that got no snapshot (refused, errored, closed early). */
    readonly watch_failed_sessions: readonly string[];
  };
}

export const WATCH_SCENARIO: WatchScenario = {
  name: 'watch',
  description: '200 connections of 5 addresses each, reconnecting every 30 s: snapshots fast, every block message well-formed and continuous',
  vus: 200,
  duration: '2m',
  session: '30s',
  addressesPerVu: 5,
  thresholds: {
    watch_snapshot_ms: ['p(95)<500', 'p(99)<1000'],
    watch_bad_messages: ['rate<0.001'],
    watch_broken_chain: ['rate<0.001'],
    watch_failed_sessions: ['rate<0.01'],
  },
};

/** The subscribe message of one session: the hot address and `addressesPerVu - 1` cold ones of this VU. */
export function watchSubscribe(scenario: WatchScenario, run: number, vu: number, session: number): { op: 'subscribe'; id: string; addresses: string[] } {
  const cold = Array.from({ length: scenario.addressesPerVu - 1 }, (_, i) => coldAddress(run, vu, i));
  return { op: 'subscribe', id: `vu${vu}.${session}`, addresses: [HOT_ADDRESS, ...cold] };
}

const HEX = /^0x(0|[1-9a-f][0-9a-f]*)$/;
const HASH = /^0x[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const WEI = /^(0|[1-9][0-9]*)$/;
const ETHER = /^(0|[1-9][0-9]*)\.[0-9]+$/;

type Fields = Record<string, unknown>;

function entryProblem(e: unknown, change: boolean): string | undefined {
  const x = e as Fields;
  if (typeof x !== 'object' || x === null) return 'an entry is not an object';
  if (typeof x.address !== 'string' || !ADDRESS.test(x.address)) return 'address';
  if (typeof x.balance !== 'string' || !ETHER.test(x.balance)) return 'balance';
  if (typeof x.balanceWei !== 'string' || !WEI.test(x.balanceWei)) return 'balanceWei';
  if (change && (typeof x.previousWei !== 'string' || !WEI.test(x.previousWei))) return 'previousWei';
  return undefined;
}

/**
 * What is wrong with a `subscribed` or `block` message for subscription `id` (undefined: nothing).
 * A light copy of the AsyncAPI schemas (src/watch/asyncapi-messages.ts), which k6 cannot load; the
 * loadtest tests hold the two to the same verdicts.
 */
export function watchMessageProblem(m: unknown, id: string): string | undefined {
  const x = m as Fields;
  if (typeof x !== 'object' || x === null) return 'not an object';
  if (x.op !== 'subscribed' && x.op !== 'block') return `unexpected op ${JSON.stringify(x.op)}`;
  if (x.id !== id) return 'id';
  if (typeof x.network !== 'string') return 'network';
  if (typeof x.chainId !== 'number' || !Number.isInteger(x.chainId)) return 'chainId';
  if (typeof x.blockNumber !== 'string' || !HEX.test(x.blockNumber)) return 'blockNumber';
  if (typeof x.blockHash !== 'string' || !HASH.test(x.blockHash)) return 'blockHash';
  const list = x.op === 'subscribed' ? x.balances : x.changes;
  if (!Array.isArray(list)) return x.op === 'subscribed' ? 'balances' : 'changes';
  if (x.op === 'block') {
    if (typeof x.previousBlockHash !== 'string' || !HASH.test(x.previousBlockHash)) return 'previousBlockHash';
    if (typeof x.reorg !== 'boolean') return 'reorg';
  }
  for (const e of list) {
    const problem = entryProblem(e, x.op === 'block');
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** One session's view: whether each message is well-formed and each block continues the last. */
export class WatchSession {
  private lastHash: string | undefined;
  snapshotAt: number | undefined;
  blocks = 0;

  constructor(
    readonly id: string,
    readonly addresses: number,
  ) {}

  /** Judges one text frame received at `now` (ms). */
  received(text: string, now: number): { bad: boolean; broken?: boolean; snapshot?: boolean } {
    let m: Fields;
    try {
      m = JSON.parse(text) as Fields;
    } catch {
      return { bad: true };
    }
    const problem = watchMessageProblem(m, this.id);
    if (problem !== undefined) return { bad: true };
    if (m.op === 'subscribed') {
      const fresh = this.lastHash === undefined && (m.balances as unknown[]).length === this.addresses;
      this.lastHash = m.blockHash as string;
      this.snapshotAt = now;
      return { bad: !fresh, snapshot: true };
    }
    const broken = this.lastHash === undefined || m.previousBlockHash !== this.lastHash;
    this.lastHash = m.blockHash as string;
    this.blocks++;
    return { bad: false, broken };
  }
}
