/**
 * The load scenarios, once: k6 scripts turn them into k6 options (lib/k6.ts) and the local Node
 * harness (local/run.ts) runs the same definitions where there is no k6 binary. Runtime-neutral:
 * no k6 and no Node imports here.
 */

export interface Stage {
  /** k6 duration string: "30s", "2m", "1h". */
  readonly duration: string;
  readonly target: number;
}

export type Executor =
  | { readonly executor: 'constant-vus'; readonly vus: number; readonly duration: string }
  | { readonly executor: 'ramping-vus'; readonly startVUs: number; readonly stages: readonly Stage[] }
  | {
      readonly executor: 'constant-arrival-rate';
      /** Requests per second. */
      readonly rate: number;
      readonly duration: string;
      readonly preAllocatedVUs: number;
      readonly maxVUs: number;
    }
  | {
      readonly executor: 'ramping-arrival-rate';
      readonly startRate: number;
      readonly stages: readonly Stage[];
      readonly preAllocatedVUs: number;
      readonly maxVUs: number;
    };

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  readonly executor: Executor;
  /** Share of requests (of addresses, in a batch) for the hot (cached) address; the rest are never seen before. */
  readonly hotFraction: number;
  /** When set, each iteration POSTs /address/balances with this many addresses instead of one GET. */
  readonly batchSize?: number;
  /** k6 threshold expressions on the built-in metrics. */
  readonly thresholds: {
    readonly http_req_duration: readonly string[];
    readonly http_req_failed: readonly string[];
  };
}

export type ScenarioName = 'smoke' | 'hot-address' | 'cold-addresses' | 'mixed' | 'spike' | 'soak' | 'batch';

/** The seed example's address (checksummed), funded on the local devnet. */
export const HOT_ADDRESS = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';

/** Error rate under 0.1% everywhere: a failed balance read is an outage for the caller. */
const ERRORS = ['rate<0.001'] as const;

/** The latency ceilings (ms) at p95 and p99, with the error ceiling every scenario shares. */
function under(p95: number, p99: number): Scenario['thresholds'] {
  return { http_req_duration: [`p(95)<${p95}`, `p(99)<${p99}`], http_req_failed: ERRORS };
}

/** The VU pool that carries an arrival-rate load: allocated up front, and the most k6 may add. */
interface VuPool {
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
}

/** A steady open-model load: `rate` requests per second for `duration`. */
function constantRate(rate: number, duration: string, pool: VuPool): Executor {
  return { executor: 'constant-arrival-rate', rate, duration, ...pool };
}

/** An open-model load from `startRate`, through the stages, each a [duration, target rate]. */
function rampingRate(startRate: number, stages: ReadonlyArray<readonly [string, number]>, pool: VuPool): Executor {
  return { executor: 'ramping-arrival-rate', startRate, stages: stages.map(([duration, target]) => ({ duration, target })), ...pool };
}

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  smoke: {
    name: 'smoke',
    description: 'two users, half hot and half cold: the deploy works end to end',
    executor: { executor: 'constant-vus', vus: 2, duration: '30s' },
    hotFraction: 0.5,
    thresholds: under(100, 250),
  },
  'hot-address': {
    name: 'hot-address',
    description: 'one address, every answer from the cache: the hot path',
    executor: constantRate(2000, '2m', { preAllocatedVUs: 50, maxVUs: 200 }),
    hotFraction: 1,
    thresholds: under(10, 25),
  },
  'cold-addresses': {
    name: 'cold-addresses',
    description: 'every request a new address: one upstream read per request, batched per turn',
    executor: constantRate(300, '2m', { preAllocatedVUs: 50, maxVUs: 300 }),
    hotFraction: 0,
    thresholds: under(150, 300),
  },
  mixed: {
    name: 'mixed',
    description: '90% hot, 10% cold, ramping to 1000 requests per second',
    executor: rampingRate(50, [['30s', 1000], ['2m', 1000], ['15s', 0]], { preAllocatedVUs: 50, maxVUs: 300 }),
    hotFraction: 0.9,
    thresholds: under(50, 150),
  },
  spike: {
    name: 'spike',
    description: 'from 100 to 5000 requests per second in ten seconds, held, then back',
    executor: rampingRate(
      100,
      [['10s', 100], ['10s', 5000], ['30s', 5000], ['10s', 100], ['20s', 100]],
      { preAllocatedVUs: 200, maxVUs: 1000 },
    ),
    hotFraction: 0.9,
    thresholds: under(150, 500),
  },
  soak: {
    name: 'soak',
    description: 'steady mixed traffic for half an hour: leaks, cache bound, connection reuse',
    executor: constantRate(500, '30m', { preAllocatedVUs: 50, maxVUs: 300 }),
    hotFraction: 0.8,
    thresholds: under(50, 150),
  },
  batch: {
    name: 'batch',
    description: 'POST /address/balances with 100 addresses, half of them cached: 2,000 balances per second in 20 batches',
    executor: constantRate(20, '2m', { preAllocatedVUs: 20, maxVUs: 100 }),
    hotFraction: 0.5,
    batchSize: 100,
    thresholds: under(300, 600),
  },
};

/** "1h2m3.5s" -> seconds. */
export function durationSeconds(duration: string): number {
  const parts = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/.exec(duration);
  if (parts === null || duration === '') throw new Error(`not a k6 duration: "${duration}"`);
  const [, h, m, s, ms] = parts;
  return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0) + Number(ms ?? 0) / 1000;
}

/**
 * An address nobody asked for before, valid in strict EIP-55 mode without a keccak on the client:
 * all digits, so it has no letters whose case a checksum could fix (the server still hashes it).
 */
export function coldAddress(run: number, vu: number, iteration: number): string {
  const digits = `${run % 1e10}`.padStart(10, '0') + `${vu % 1e6}`.padStart(6, '0') + `${iteration}`.padStart(24, '0');
  return `0x${digits.slice(-40)}`;
}

/** The path one iteration asks for; `draw` in [0, 1) decides hot or cold. */
export function requestPath(scenario: Scenario, run: number, vu: number, iteration: number, draw: number): { path: string; kind: 'hot' | 'cold' } {
  return draw < scenario.hotFraction
    ? { path: `/address/balance/${HOT_ADDRESS}`, kind: 'hot' }
    : { path: `/address/balance/${coldAddress(run, vu, iteration)}`, kind: 'cold' };
}

export interface ThresholdRule {
  readonly source: string;
  readonly stat: 'avg' | 'min' | 'max' | 'med' | 'rate' | `p${number}`;
  readonly op: '<' | '<=' | '>' | '>=';
  readonly value: number;
}

/** Parses the k6 threshold expressions used here: "p(95)<10", "rate<0.001", "avg<=5". */
export function parseThreshold(source: string): ThresholdRule {
  const match = /^\s*(avg|min|max|med|rate|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*$/.exec(source);
  if (match === null) throw new Error(`unsupported threshold "${source}"`);
  const stat = match[2] === undefined ? (match[1] as ThresholdRule['stat']) : (`p${match[2]}` as ThresholdRule['stat']);
  return { source, stat, op: match[3] as ThresholdRule['op'], value: Number(match[4]) };
}

export function thresholdHolds(rule: ThresholdRule, observed: number): boolean {
  switch (rule.op) {
    case '<':
      return observed < rule.value;
    case '<=':
      return observed <= rule.value;
    case '>':
      return observed > rule.value;
    case '>=':
      return observed >= rule.value;
  }
}

export interface IterationRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** JSON body of a batch. */
  readonly body?: string;
  readonly kind: 'hot' | 'cold' | 'batch';
  /** What a 200 body must contain. */
  readonly expect: string;
}

/** The request one iteration sends: a GET as `requestPath` says, or for batch scenarios one POST. */
export function iterationRequest(scenario: Scenario, run: number, vu: number, iteration: number, random: () => number): IterationRequest {
  if (scenario.batchSize === undefined) {
    const { path, kind } = requestPath(scenario, run, vu, iteration, random());
    return { method: 'GET', path, kind, expect: '"balanceWei"' };
  }
  const addresses: string[] = [];
  for (let i = 0; i < scenario.batchSize; i++) {
    addresses.push(random() < scenario.hotFraction ? HOT_ADDRESS : coldAddress(run, vu, iteration * scenario.batchSize + i));
  }
  return { method: 'POST', path: '/address/balances', body: JSON.stringify({ addresses }), kind: 'batch', expect: '"balances"' };
}
