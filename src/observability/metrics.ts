/**
 * Prometheus metrics (prom-client), low cardinality only: routes, status codes, provider names,
 * JSON-RPC methods and outcomes, never an address or a client.
 *
 * The per-request counters are plain typed arrays (`HttpRecorder.record` costs a few nanoseconds;
 * prom-client's own `observe` with labels costs about a microsecond, a tenth of a cache hit), read
 * and formatted only when /metrics is scraped. Everything that already exists elsewhere (cache
 * counters, provider state, the head, the worker pool) is read at scrape time too.
 */
import { readFileSync } from 'node:fs';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { CacheStats } from '../cache/balance-cache.js';
import type { CodecRunner } from '../codec/codec-pool.js';
import type { CallObserver, ProviderState, Upstream } from '../router/upstream.js';

export const ROUTES = ['balance', 'healthz', 'readyz', 'providers', 'metrics', 'preflight', 'unmatched', 'balances', 'openapi', 'docs', 'problems', 'asyncapi'] as const;
export type RouteName = (typeof ROUTES)[number];
/** Route label -> index into the recorder's arrays. */
export const ROUTE = Object.freeze(Object.fromEntries(ROUTES.map((name, i) => [name, i])) as Record<RouteName, number>);

const STATUSES = [200, 204, 400, 401, 404, 405, 413, 414, 415, 429, 431, 499, 500, 502, 503] as const;
const STATUS_SLOTS = STATUSES.length + 1;
const OTHER_STATUS = STATUSES.length;
const STATUS_SLOT = new Uint8Array(600).fill(OTHER_STATUS);
STATUSES.forEach((status, slot) => (STATUS_SLOT[status] = slot));

/** Server-side latency: hits take tens of microseconds, misses an upstream round trip. */
export const LATENCY_BUCKETS = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]);
const BUCKET_SLOTS = LATENCY_BUCKETS.length + 1;

const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const PROVIDER_STATES: readonly ProviderState[] = ['healthy', 'cooling', 'open', 'wrong-chain', 'lagging', 'untrusted', 'unknown'];

export type LimitScope = 'client' | 'key';

/** Per-request counters written on the hot path. */
export class HttpRecorder {
  readonly requests = new Float64Array(ROUTES.length * STATUS_SLOTS);
  readonly buckets = new Float64Array(ROUTES.length * BUCKET_SLOTS);
  readonly sums = new Float64Array(ROUTES.length);
  readonly rateLimited = { client: 0, key: 0 };
  /** Requests waiting for an upstream answer (set by the server: its one in-flight counter). */
  inflight: () => number = () => 0;
  /** Clients the rate limiter currently remembers (set by the server when limiting is on). */
  limiterClients: () => number = () => 0;
  /** RATE_LIMIT_MAX_CLIENTS when per-client limiting is on, else 0. */
  limiterCapacity = 0;

  record(route: number, status: number, seconds: number): void {
    this.requests[route * STATUS_SLOTS + (STATUS_SLOT[status] ?? OTHER_STATUS)]!++;
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]!) b++;
    this.buckets[route * BUCKET_SLOTS + b]!++;
    this.sums[route]! += seconds;
  }
}

export interface Sample {
  readonly value: number;
  readonly labels?: Record<string, string | number>;
  readonly metricName?: string;
}

type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * A metric whose samples are computed at scrape time. prom-client's registry only needs `name`
 * and `get()` (the same contract its own metric classes fulfil).
 */
export class Collected {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly read: () => Sample[],
  ) {}

  get() {
    return { name: this.name, help: this.help, type: this.type, values: this.read(), aggregator: 'sum' as const };
  }

  reset(): void {}
}

/** One network's router as metrics read it. */
export interface NetworkSource {
  readonly name: string;
  readonly router: Pick<Upstream, 'snapshot' | 'lastHead'>;
}

export interface MetricSources {
  readonly cache: { readonly stats: Readonly<CacheStats>; readonly size: number };
  /** Every served network, the default first (or one network's router as `upstream`). */
  readonly networks?: readonly NetworkSource[];
  readonly upstream?: NetworkSource['router'];
  readonly codec: Pick<CodecRunner, 'stats'>;
}

export class Metrics {
  readonly registry = new Registry();
  readonly http = new HttpRecorder();
  private readonly upstreamCalls: Counter<'network' | 'provider' | 'method' | 'outcome'>;
  private readonly upstreamDuration: Histogram<'network' | 'provider' | 'method'>;
  /**
   * NETWORKS set: every upstream, head and provider series carries `network` (configured names
   * only, so cardinality stays bounded). Unset: the one network's series as they always were.
   */
  private readonly networkLabel: boolean;

  constructor(options: { processMetrics?: boolean; networkLabel?: boolean } = {}) {
    const registers = [this.registry];
    this.networkLabel = options.networkLabel === true;
    const net = this.networkLabel ? (['network'] as const) : [];
    this.upstreamCalls = new Counter({
      name: 'balance_api_upstream_calls_total',
      help: 'JSON-RPC calls to upstream providers by provider, method and outcome (ok, timeout, rate-limited, hedge, ...)',
      labelNames: [...net, 'provider', 'method', 'outcome'],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'balance_api_upstream_call_duration_seconds',
      help: 'Upstream JSON-RPC call duration by provider and method, whatever the outcome; calls sharing one round trip (a batch read chunk) are one sample',
      labelNames: [...net, 'provider', 'method'],
      buckets: UPSTREAM_BUCKETS,
      registers,
    });
    this.registerHttp();
    this.add('balance_api_build_info', 'Build and runtime of this process (always 1)', 'gauge', () => [
      { value: 1, labels: { version: SERVICE_VERSION, node_version: process.version } },
    ]);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  private readonly callChildren = new Map<string, { calls: { inc(n: number): void }; duration: { observe(value: number): void } }>();

  /**
   * The router's CallObserver: `calls` calls that shared one round trip. The counter counts calls;
   * the histogram takes one sample per round trip (a batch read's 100 calls are one sample, not 100
   * copies of it, which were ~8% of a cold batch's CPU). The labelled children are kept, so a call
   * costs a map lookup instead of prom-client hashing the label set twice on every miss.
   */
  readonly onUpstreamCall: CallObserver = this.upstreamObserver('');

  /** The CallObserver of one network's router (its name is the `network` label when NETWORKS is set). */
  upstreamObserver(network: string): CallObserver {
    const labelled = this.networkLabel;
    return (provider, method, outcome, latencyMs, calls = 1) => {
      const key = `${network}\n${provider}\n${method}\n${outcome}`;
      let child = this.callChildren.get(key);
      if (child === undefined) {
        child = labelled
          ? { calls: this.upstreamCalls.labels(network, provider, method, outcome), duration: this.upstreamDuration.labels(network, provider, method) }
          : { calls: this.upstreamCalls.labels(provider, method, outcome), duration: this.upstreamDuration.labels(provider, method) };
        this.callChildren.set(key, child);
      }
      child.calls.inc(calls);
      child.duration.observe(latencyMs / 1000);
    };
  }

  /** Reads cache, provider, head and pool state at every scrape. */
  watch(sources: MetricSources): void {
    const { cache, codec } = sources;
    const networks = sources.networks ?? (sources.upstream === undefined ? [] : [{ name: '', router: sources.upstream }]);
    const labels = (n: NetworkSource, more?: Record<string, string>): Record<string, string> | undefined =>
      this.networkLabel ? { network: n.name, ...more } : more;
    const counter = (name: string, help: string, read: () => number) =>
      this.add(name, help, 'counter', () => [{ value: read() }]);
    const gauge = (name: string, help: string, read: () => number | undefined) =>
      this.add(name, help, 'gauge', () => {
        const value = read();
        return value === undefined ? [] : [{ value }];
      });
    counter('balance_api_cache_hits_total', 'Balance reads answered from the cache', () => cache.stats.hits);
    counter('balance_api_cache_misses_total', 'Balance reads that went upstream', () => cache.stats.misses);
    counter(
      'balance_api_cache_coalesced_total',
      'Balance reads that waited for an identical upstream read already in flight',
      () => cache.stats.coalesced,
    );
    counter('balance_api_cache_evictions_total', 'Cache entries evicted to stay within CACHE_MAX_ENTRIES', () => cache.stats.evictions);
    gauge('balance_api_cache_entries', 'Balances held in the cache', () => cache.size);

    const perNetwork = (name: string, help: string, read: (last: { head: { number: bigint }; ageMs: number }) => number) =>
      this.add(name, help, 'gauge', () =>
        networks.flatMap((n) => {
          const last = n.router.lastHead();
          if (last === undefined) return [];
          const l = labels(n);
          return [l === undefined ? { value: read(last) } : { value: read(last), labels: l }];
        }),
      );
    perNetwork('balance_api_head_block_number', 'Block number of the service head (the block balances are read at)', (last) => Number(last.head.number));
    perNetwork('balance_api_head_age_seconds', 'Time since the service head was last confirmed', (last) => last.ageMs / 1000);

    const snapshots = () => networks.flatMap((n) => n.router.snapshot().map((p) => ({ n, p })));
    const perProvider = (name: string, help: string, read: (p: ReturnType<Upstream['snapshot']>[number]) => number | undefined) =>
      this.add(name, help, 'gauge', () =>
        snapshots().flatMap(({ n, p }) => {
          const value = read(p);
          return value === undefined ? [] : [{ value, labels: labels(n, { provider: p.name })! }];
        }),
      );
    perProvider('balance_api_provider_score', 'Provider health score in [0, 1] (higher is preferred)', (p) => p.score);
    perProvider('balance_api_provider_head_lag_blocks', 'Blocks the provider is behind the newest head', (p) => p.lag);
    perProvider('balance_api_provider_latency_seconds', 'Smoothed latency of answered provider calls', (p) =>
      p.latencyMs === undefined ? undefined : p.latencyMs / 1000,
    );
    this.add('balance_api_provider_state', 'Provider state: 1 for the current one (healthy, cooling, open, wrong-chain, lagging, untrusted, unknown)', 'gauge', () =>
      snapshots().flatMap(({ n, p }) => PROVIDER_STATES.map((state) => ({ value: p.state === state ? 1 : 0, labels: labels(n, { provider: p.name, state })! }))),
    );

    gauge('balance_api_codec_pool_workers', 'Worker threads of the codec pool (0: inline)', () => codec.stats().workers);
    gauge('balance_api_codec_pool_queue_size', 'Codec tasks waiting for a worker', () => codec.stats().queued);
    gauge('balance_api_codec_pool_utilization', 'Codec pool utilisation in [0, 1]', () => codec.stats().utilization);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  private add(name: string, help: string, type: MetricType, read: () => Sample[]): void {
    this.registry.registerMetric(new Collected(name, help, type, read) as never);
  }

  private registerHttp(): void {
    const http = this.http;
    this.add('balance_api_http_requests_total', 'HTTP requests answered, by route and status', 'counter', () => {
      const samples: Sample[] = [];
      ROUTES.forEach((route, r) => {
        for (let slot = 0; slot < STATUS_SLOTS; slot++) {
          const value = http.requests[r * STATUS_SLOTS + slot]!;
          if (value > 0) samples.push({ value, labels: { route, status: slot === OTHER_STATUS ? 'other' : STATUSES[slot]! } });
        }
      });
      return samples;
    });
    this.add(
      'balance_api_http_request_duration_seconds',
      'Server time from request to response written, by route',
      'histogram',
      () => {
        const samples: Sample[] = [];
        ROUTES.forEach((route, r) => {
          let count = 0;
          for (let b = 0; b < BUCKET_SLOTS; b++) count += http.buckets[r * BUCKET_SLOTS + b]!;
          if (count === 0 && route !== 'balance') return;
          let cumulative = 0;
          for (let b = 0; b < BUCKET_SLOTS; b++) {
            cumulative += http.buckets[r * BUCKET_SLOTS + b]!;
            const le = b < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[b]! : '+Inf';
            samples.push({ value: cumulative, labels: { route, le }, metricName: 'balance_api_http_request_duration_seconds_bucket' });
          }
          samples.push({ value: http.sums[r]!, labels: { route }, metricName: 'balance_api_http_request_duration_seconds_sum' });
          samples.push({ value: count, labels: { route }, metricName: 'balance_api_http_request_duration_seconds_count' });
        });
        return samples;
      },
    );
    this.add('balance_api_http_inflight_requests', 'Requests waiting for an upstream answer', 'gauge', () => [{ value: http.inflight() }]);
    this.add('balance_api_rate_limited_total', 'Requests refused with 429, by limit (client address or API key)', 'counter', () => [
      { value: http.rateLimited.client, labels: { scope: 'client' } },
      { value: http.rateLimited.key, labels: { scope: 'key' } },
    ]);
    this.add('balance_api_rate_limiter_clients', 'Clients the rate limiter currently remembers (bounded by RATE_LIMIT_MAX_CLIENTS)', 'gauge', () => [
      { value: http.limiterClients() },
    ]);
    this.add('balance_api_rate_limiter_capacity', 'RATE_LIMIT_MAX_CLIENTS when per-client limiting is on, else 0', 'gauge', () => [
      { value: http.limiterCapacity },
    ]);
  }
}

function readVersion(): string {
  try {
    // src/observability/ and dist/observability/ both sit two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** package.json version, for build_info and the trace resource. */
export const SERVICE_VERSION = readVersion();
