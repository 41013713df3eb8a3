/**
 * The Prometheus rules are code: every expression must parse as PromQL, every alert must carry a
 * severity and a summary, and every metric named must be one the service exports (or a recording
 * rule defined here), so a renamed metric cannot leave an alert silently watching nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { Metrics } from '../../src/observability/metrics.js';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const files = ['prometheus-rules.yml', 'slo-burn-rate.yml'];
const rules: [string, Rule][] = files.flatMap((file) => {
  const doc = parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((r): [string, Rule] => [`${file}: ${g.name}/${r.alert ?? r.record}`, r]));
});

/** Names the service exports, histogram series included. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = new Metrics();
  metrics.watch({
    cache: { stats: { hits: 0, misses: 0, coalesced: 0, evictions: 0 }, size: 0 },
    upstream: { snapshot: () => [], lastHead: () => undefined },
    codec: { stats: () => ({ workers: 0, queued: 0, utilization: 0 }) },
  });
  const names = new Set<string>(['up']);
  for (const metric of metrics.registry.getMetricsAsArray() as unknown as { get(): Promise<{ name: string; type: string }> | { name: string; type: string } }[]) {
    const { name, type } = await metric.get();
    names.add(name);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** Metric names in an expression, and whether it parsed cleanly. */
function inspect(expr: string): { names: string[]; errors: string[] } {
  const names: string[] = [];
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`error at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 20), node.to + 20))}`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(expr.slice(node.from, node.to));
    },
  });
  return { names, errors };
}

describe('Prometheus rules', () => {
  it('has alerts and recording rules with unique names', () => {
    const alerts = rules.filter(([, r]) => r.alert !== undefined).map(([, r]) => r.alert);
    const records = rules.filter(([, r]) => r.record !== undefined).map(([, r]) => r.record);
    assert.ok(alerts.length >= 15, String(alerts.length));
    assert.ok(records.length >= 10, String(records.length));
    assert.equal(new Set(alerts).size, alerts.length);
    assert.equal(new Set(records).size, records.length);
  });

  it('names only metrics the service exports or rules define', async () => {
    const known = await exportedNames();
    for (const [, r] of rules) if (r.record !== undefined) known.add(r.record);
    for (const [where, r] of rules) {
      for (const name of inspect(r.expr).names) assert.ok(known.has(name), `${where}: unknown metric ${name}`);
    }
  });

  for (const [where, r] of rules) {
    it(`${where} parses and is complete`, () => {
      const { names, errors } = inspect(r.expr);
      assert.deepEqual(errors, []);
      assert.ok(names.length > 0);
      if (r.alert !== undefined) {
        assert.match(r.alert, /^BalanceApi[A-Za-z0-9]+$/);
        assert.ok(['page', 'ticket'].includes(r.labels?.severity ?? ''), `severity ${r.labels?.severity}`);
        assert.ok((r.annotations?.summary ?? '').length > 10);
        if (r.labels?.severity === 'page') assert.ok(r.annotations?.runbook_url, 'a page needs a runbook');
        if (r.for !== undefined) assert.match(r.for, /^\d+[smh]$/);
      } else {
        assert.match(r.record ?? '', /^slo:balance_api_[a-z_]+:ratio_rate\d+[mhd]$/);
      }
    });
  }
});
