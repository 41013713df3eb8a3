/**
 * Runs the watch scenario of ../watch-scenario.ts with Node (the `ws` client) where there is no k6
 * binary: the same VUs, sessions, subscribe messages and judgement of each message, and the same
 * thresholds judged as k6 judges them.
 *
 *   BASE_URL=http://127.0.0.1:3000 npm run loadtest:local -- watch [--time-scale 0.1 --load-scale 0.1]
 */
import WebSocket from 'ws';
import { durationSeconds, parseThreshold, thresholdHolds } from '../scenarios.ts';
import { WatchSession, watchSubscribe, type WatchScenario } from '../watch-scenario.ts';

export interface WatchResult {
  readonly scenario: 'watch';
  readonly sessions: number;
  readonly messages: number;
  readonly blocks: number;
  readonly snapshotMs: { readonly med: number; readonly p95: number; readonly p99: number };
  readonly thresholds: readonly { readonly metric: string; readonly rule: string; readonly observed: number; readonly ok: boolean }[];
  readonly ok: boolean;
}

export interface WatchRunOptions {
  readonly baseUrl: string;
  readonly timeScale?: number;
  readonly loadScale?: number;
  readonly run?: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo]! + (sorted[Math.ceil(pos)]! - sorted[lo]!) * (pos - lo);
}

export async function runWatchScenario(scenario: WatchScenario, options: WatchRunOptions): Promise<WatchResult> {
  const timeScale = options.timeScale ?? 1;
  const vus = Math.max(1, Math.round(scenario.vus * (options.loadScale ?? 1)));
  const run = options.run ?? Math.floor(Date.now() / 1000);
  const url = options.baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws') + '/watch';
  const totalMs = durationSeconds(scenario.duration) * 1000 * timeScale;
  const sessionMs = durationSeconds(scenario.session) * 1000 * timeScale;
  const started = performance.now();
  const snapshots: number[] = [];
  const rates = { watch_bad_messages: [0, 0], watch_broken_chain: [0, 0], watch_failed_sessions: [0, 0] };
  const add = (metric: keyof typeof rates, hit: boolean) => {
    rates[metric][0]! += hit ? 1 : 0;
    rates[metric][1]!++;
  };
  let messages = 0;
  let blocks = 0;

  const oneSession = (vu: number, n: number) =>
    new Promise<void>((resolve) => {
      const message = watchSubscribe(scenario, run, vu, n);
      const session = new WatchSession(message.id, message.addresses.length);
      const socket = new WebSocket(url);
      let sentAt = 0;
      let timer: NodeJS.Timeout | undefined;
      socket.on('open', () => {
        sentAt = performance.now();
        socket.send(JSON.stringify(message));
        timer = setTimeout(() => socket.close(), Math.max(1, Math.min(sessionMs, totalMs - (performance.now() - started))));
      });
      socket.on('message', (data) => {
        const now = performance.now();
        const verdict = session.received(String(data), now);
        messages++;
        add('watch_bad_messages', verdict.bad);
        if (verdict.snapshot === true) snapshots.push(now - sentAt);
        if (verdict.broken !== undefined) {
          blocks++;
          add('watch_broken_chain', verdict.broken);
        }
      });
      socket.on('error', () => socket.terminate());
      socket.on('close', () => {
        clearTimeout(timer);
        add('watch_failed_sessions', session.snapshotAt === undefined);
        resolve();
      });
    });

  const vu = async (id: number) => {
    for (let n = 0; performance.now() - started < totalMs; n++) await oneSession(id, n);
  };
  await Promise.all(Array.from({ length: vus }, (_, i) => vu(i + 1)));

  snapshots.sort((a, b) => a - b);
  const observe = (metric: string, stat: string) =>
    metric === 'watch_snapshot_ms' ? quantile(snapshots, Number(stat.slice(1)) / 100) : rates[metric as keyof typeof rates][0]! / Math.max(1, rates[metric as keyof typeof rates][1]!);
  const thresholds = (Object.entries(scenario.thresholds) as [string, readonly string[]][]).flatMap(([metric, rules]) =>
    rules.map((source) => {
      const rule = parseThreshold(source);
      const observed = observe(metric, rule.stat);
      return { metric, rule: source, observed, ok: thresholdHolds(rule, observed) };
    }),
  );
  return {
    scenario: 'watch',
    sessions: rates.watch_failed_sessions[1]!,
    messages,
    blocks,
    snapshotMs: { med: quantile(snapshots, 0.5), p95: quantile(snapshots, 0.95), p99: quantile(snapshots, 0.99) },
    thresholds,
    ok: thresholds.every((t) => t.ok),
  };
}

export function renderWatchResult(r: WatchResult): string {
  const lines = [
    `scenario watch: ${r.sessions} sessions, ${r.messages} messages (${r.blocks} block messages)`,
    `  watch_snapshot_ms med=${r.snapshotMs.med.toFixed(2)}ms p(95)=${r.snapshotMs.p95.toFixed(2)}ms p(99)=${r.snapshotMs.p99.toFixed(2)}ms`,
  ];
  for (const t of r.thresholds) lines.push(`  ${t.ok ? 'ok  ' : 'FAIL'} ${t.metric} ${t.rule} (observed ${t.observed.toFixed(t.metric === 'watch_snapshot_ms' ? 2 : 4)})`);
  return lines.join('\n');
}
