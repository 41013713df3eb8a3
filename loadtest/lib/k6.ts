/** Scenario definitions -> k6 options and iteration functions. Runs inside k6 only. */
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options, Scenario as K6Scenario } from 'k6/options';
import { iterationRequest, SCENARIOS, type ScenarioName } from '../scenarios.ts';

const BASE_URL = (__ENV.BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
// Distinct per run so cold addresses stay cold across runs against one long-lived service.
const RUN = Number(__ENV.RUN_ID ?? Math.floor(Date.now() / 1000));
// Sent as x-api-key when the service runs with API_KEYS (production does).
const HEADERS: Record<string, string> = __ENV.API_KEY ? { 'x-api-key': __ENV.API_KEY } : {};

export function k6Options(name: ScenarioName): Options {
  const s = SCENARIOS[name];
  const executor = { ...s.executor, ...('rate' in s.executor || 'startRate' in s.executor ? { timeUnit: '1s' } : {}) } as K6Scenario;
  return {
    scenarios: { [name]: executor },
    thresholds: {
      http_req_duration: [...s.thresholds.http_req_duration],
      http_req_failed: [...s.thresholds.http_req_failed],
      checks: ['rate>0.999'],
    },
    summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
  };
}

export function k6Iteration(name: ScenarioName): () => void {
  const s = SCENARIOS[name];
  return () => {
    const r = iterationRequest(s, RUN, exec.vu.idInTest, exec.vu.iterationInScenario, Math.random);
    const tags = { kind: r.kind, name: r.method === 'GET' ? `GET /address/balance/:address (${r.kind})` : 'POST /address/balances' };
    const res =
      r.method === 'GET'
        ? http.get(`${BASE_URL}${r.path}`, { headers: HEADERS, tags })
        : http.post(`${BASE_URL}${r.path}`, r.body ?? '', { headers: { ...HEADERS, 'content-type': 'application/json' }, tags });
    check(res, {
      'status is 200': (x) => x.status === 200,
      'body has the balances': (x) => typeof x.body === 'string' && x.body.includes(r.expect),
    });
  };
}
