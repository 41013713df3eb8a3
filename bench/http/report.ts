/** Round results -> ratios against the issue's targets (median of per-round ratios) -> a table. */
import type { LoadResult, ProbeResult } from './load.js';
import { median, ratio } from './stats.js';

export interface RoundResult {
  readonly round: number;
  readonly ceilingHit: LoadResult;
  /** The ceiling plus the headers and request checks every answer needs (bench/http/ceiling.ts). */
  readonly headersCeilingHit?: LoadResult | undefined;
  readonly serviceHit: LoadResult;
  readonly pairHit: LoadResult;
  readonly peerHit: LoadResult | undefined;
  readonly anvilRaw: LoadResult;
  readonly serviceMiss: LoadResult;
  readonly pooledMiss: LoadResult;
  readonly pairMiss: LoadResult;
  readonly peerMiss: LoadResult | undefined;
  readonly anvilProbe: ProbeResult;
  readonly serviceProbe: ProbeResult;
  /** bench/http/passthrough.ts at c=1: the extra hop alone, with nothing of the service's work. */
  readonly passthroughProbe?: ProbeResult;
}

export interface MemoryResult {
  readonly peakRssMb: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  /** --max-old-space-size the process ran with; undefined: Node's default. */
  readonly heapCapMb?: number;
  readonly cacheSize: number;
  readonly bound: number;
  readonly evictions: number;
  readonly misses: number;
}

export interface Row {
  readonly name: string;
  /** Median over rounds of the per-round value. */
  readonly value: number | undefined;
  readonly unit: string;
  readonly target?: { readonly op: '>=' | '<='; readonly bound: number };
  readonly perRound: readonly (number | undefined)[];
}

export interface Summary {
  readonly settings: Record<string, unknown>;
  readonly rates: Row[];
  readonly ratios: Row[];
  readonly memory: MemoryResult | undefined;
  readonly memoryCapped: MemoryResult | undefined;
  readonly met: boolean;
}

function row(name: string, unit: string, values: (number | undefined)[], target?: Row['target']): Row {
  const defined = values.filter((v): v is number => v !== undefined);
  return { name, unit, value: defined.length === 0 ? undefined : median(defined), perRound: values, ...(target ? { target } : {}) };
}

export function passes(r: Row): boolean | undefined {
  if (r.target === undefined || r.value === undefined) return undefined;
  return r.target.op === '>=' ? r.value >= r.target.bound : r.value <= r.target.bound;
}

export function summarize(
  rounds: readonly RoundResult[],
  memory: MemoryResult | undefined,
  memoryCapped: MemoryResult | undefined,
  settings: Record<string, unknown>,
): Summary {
  const rps = (pick: (r: RoundResult) => LoadResult | undefined) => rounds.map((r) => pick(r)?.rps);
  const rates: Row[] = [
    row('uws ceiling, fixed body', 'req/s', rps((r) => r.ceilingHit)),
    row('uws ceiling + required headers and checks', 'req/s', rps((r) => r.headersCeilingHit)),
    row('service hit', 'req/s', rps((r) => r.serviceHit)),
    row('service hit, 2 processes', 'req/s', rps((r) => r.pairHit)),
    row('fastapi peer hit', 'req/s', rps((r) => r.peerHit)),
    row('anvil raw eth_getBalance', 'req/s', rps((r) => r.anvilRaw)),
    row('service miss, WORKERS=0', 'req/s', rps((r) => r.serviceMiss)),
    row('service miss, WORKERS=2', 'req/s', rps((r) => r.pooledMiss)),
    row('service miss, 2 processes', 'req/s', rps((r) => r.pairMiss)),
    row('fastapi peer miss', 'req/s', rps((r) => r.peerMiss)),
    row('anvil call p50 at c=1', 'ms', rounds.map((r) => r.anvilProbe.p50Ms)),
    row('service miss p50 at c=1', 'ms', rounds.map((r) => r.serviceProbe.p50Ms)),
    row('pass-through p50 at c=1', 'ms', rounds.map((r) => r.passthroughProbe?.p50Ms)),
  ];
  const ratios: Row[] = [
    row('hit / uws ceiling', 'x', rounds.map((r) => ratio(r.serviceHit.rps, r.ceilingHit.rps)), { op: '>=', bound: 0.9 }),
    row('uws ceiling + required headers and checks / bare ceiling', 'x', rounds.map((r) => ratio(r.headersCeilingHit?.rps, r.ceilingHit.rps))),
    row('hit / uws ceiling + required headers and checks', 'x', rounds.map((r) => ratio(r.serviceHit.rps, r.headersCeilingHit?.rps))),
    row('miss / anvil raw', 'x', rounds.map((r) => ratio(r.serviceMiss.rps, r.anvilRaw.rps)), { op: '>=', bound: 0.3 }),
    row('added p50 per miss at c=1', 'ms', rounds.map((r) => r.serviceProbe.p50Ms - r.anvilProbe.p50Ms), { op: '<=', bound: 0.3 }),
    row(
      'added p50 at c=1, bare uWS + undici pass-through (floor)',
      'ms',
      rounds.map((r) => (r.passthroughProbe === undefined ? undefined : r.passthroughProbe.p50Ms - r.anvilProbe.p50Ms)),
    ),
    row('hit / fastapi peer', 'x', rounds.map((r) => ratio(r.serviceHit.rps, r.peerHit?.rps)), { op: '>=', bound: 25 }),
    row('miss / fastapi peer', 'x', rounds.map((r) => ratio(r.serviceMiss.rps, r.peerMiss?.rps)), { op: '>=', bound: 50 }),
    row('hit: 2 processes / 1', 'x', rounds.map((r) => ratio(r.pairHit.rps, r.serviceHit.rps))),
    row('miss: 2 processes / 1', 'x', rounds.map((r) => ratio(r.pairMiss.rps, r.serviceMiss.rps))),
    row('miss: WORKERS=2 / WORKERS=0', 'x', rounds.map((r) => ratio(r.pooledMiss.rps, r.serviceMiss.rps))),
  ];
  for (const m of [memory, memoryCapped]) {
    if (m === undefined) continue;
    const how = m.heapCapMb === undefined ? 'default heap' : `--max-old-space-size=${m.heapCapMb}`;
    ratios.push(row(`peak RSS, cache at its bound (${how})`, 'MB', [m.peakRssMb], { op: '<=', bound: 250 }));
    ratios.push(row(`cache entries / CACHE_MAX_ENTRIES (${how})`, 'x', [m.cacheSize / m.bound], { op: '<=', bound: 1 }));
  }
  const errors = rounds.flatMap((r) =>
    [r.ceilingHit, r.headersCeilingHit, r.serviceHit, r.pairHit, r.peerHit, r.anvilRaw, r.serviceMiss, r.pooledMiss, r.pairMiss, r.peerMiss].map((l) => l?.errors ?? 0),
  );
  const met = ratios.every((r) => passes(r) !== false) && errors.every((e) => e === 0);
  return { settings: { ...settings, errors: errors.reduce((a, b) => a + b, 0) }, rates, ratios, memory, memoryCapped, met };
}

const fmt = (v: number | undefined, unit: string) =>
  v === undefined ? 'n/a' : unit === 'req/s' ? v.toFixed(0) : unit === 'x' ? `${v.toFixed(v >= 10 ? 1 : 2)}x` : `${v.toFixed(unit === 'ms' ? 3 : 0)} ${unit}`;

export function renderTable(s: Summary): string {
  const lines: string[] = [];
  const settings = Object.entries(s.settings)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  lines.push(`settings: ${settings}`, '');
  lines.push(`| rate (median of rounds) | value | per round |`, `|---|---:|---|`);
  for (const r of s.rates) lines.push(`| ${r.name} | ${fmt(r.value, r.unit)} | ${r.perRound.map((v) => fmt(v, r.unit)).join(', ')} |`);
  lines.push('', `| ratio (within a round, median) | value | target | met | per round |`, `|---|---:|---|---|---|`);
  for (const r of s.ratios) {
    const ok = passes(r);
    const target = r.target === undefined ? '' : `${r.target.op} ${r.target.bound}${r.unit === 'x' ? 'x' : ` ${r.unit}`}`;
    lines.push(
      `| ${r.name} | ${fmt(r.value, r.unit)} | ${target} | ${ok === undefined ? '' : ok ? 'yes' : 'NO'} | ${r.perRound.map((v) => fmt(v, r.unit)).join(', ')} |`,
    );
  }
  for (const m of [s.memory, s.memoryCapped]) {
    if (m === undefined) continue;
    const how = m.heapCapMb === undefined ? 'default heap' : `--max-old-space-size=${m.heapCapMb}`;
    lines.push(
      `memory (${how}): peak RSS ${m.peakRssMb.toFixed(0)} MB, now ${m.rssMb.toFixed(0)} MB, V8 heap used ${m.heapUsedMb.toFixed(0)} MB; cache ${m.cacheSize}/${m.bound} entries after ${m.misses} misses, ${m.evictions} evictions`,
    );
  }
  return lines.join('\n');
}
