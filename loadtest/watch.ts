// k6 run -e BASE_URL=http://127.0.0.1:3000 loadtest/watch.ts — scenario "watch" in watch-scenario.ts.
import exec from 'k6/execution';
import { Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { durationSeconds } from './scenarios.ts';
import { WATCH_SCENARIO as S, WatchSession, watchSubscribe } from './watch-scenario.ts';

const WS_URL = (__ENV.BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '').replace(/^http/, 'ws') + '/watch';
const RUN = Number(__ENV.RUN_ID ?? Math.floor(Date.now() / 1000));
const HEADERS: Record<string, string> = __ENV.API_KEY ? { 'x-api-key': __ENV.API_KEY } : {};

const snapshotMs = new Trend('watch_snapshot_ms', true);
const badMessages = new Rate('watch_bad_messages');
const brokenChain = new Rate('watch_broken_chain');
const failedSessions = new Rate('watch_failed_sessions');

export const options: Options = {
  scenarios: { watch: { executor: 'constant-vus', vus: S.vus, duration: S.duration, gracefulStop: S.session } },
  thresholds: Object.fromEntries(Object.entries(S.thresholds).map(([metric, rules]) => [metric, [...rules]])),
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

// One iteration is one session: subscribe, judge every message, close after S.session, reconnect.
export default function (): void {
  const message = watchSubscribe(S, RUN, exec.vu.idInTest, exec.vu.iterationInScenario);
  const session = new WatchSession(message.id, message.addresses.length);
  const ws = new WebSocket(WS_URL, null, { headers: HEADERS, tags: { name: 'GET /watch' } });
  let sentAt = 0;
  ws.onopen = () => {
    sentAt = Date.now();
    ws.send(JSON.stringify(message));
    setTimeout(() => ws.close(), durationSeconds(S.session) * 1000);
  };
  ws.onmessage = (event) => {
    const now = Date.now();
    const verdict = session.received(String(event?.data), now);
    badMessages.add(verdict.bad);
    if (verdict.snapshot === true) snapshotMs.add(now - sentAt);
    if (verdict.broken !== undefined) brokenChain.add(verdict.broken);
  };
  // A refused upgrade may end in onerror without onclose: count each session once.
  let ended = false;
  const end = () => {
    if (!ended) failedSessions.add(session.snapshotAt === undefined);
    ended = true;
  };
  ws.onclose = end;
  ws.onerror = () => {
    end();
    ws.close();
  };
}
