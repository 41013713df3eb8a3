import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { runCacheBench } from './cache.bench.js';
import { runCancelBench } from './cancel.bench.js';
import { runCodecBench } from './codec.bench.js';
import { detectTool, runLoad } from './http/load.js';
import { summarize, type RoundResult } from './http/report.js';
import { freshAddress, median, percentile, ratio } from './http/stats.js';

// Smoke tests: the harness parts run and count. No timing or ratio is asserted (2 noisy cores).
describe('bench helpers', () => {
  it('medians, percentiles and ratios', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.equal(ratio(1, 0), undefined);
    assert.equal(ratio(3, 2), 1.5);
  });

  it('fresh addresses are well formed and distinct', () => {
    const a = freshAddress('0000abcd', 1);
    assert.match(a, /^0x[0-9a-f]{40}$/);
    assert.notEqual(freshAddress('0000abcd', 2), a);
  });

  it('summarizes rounds into ratios with their targets', () => {
    const load = (rps: number) => ({ tool: 'wrk' as const, requests: rps, rps, errors: 0, p50Ms: 1, p99Ms: 2 });
    const probe = (p50Ms: number) => ({ samples: 1, errors: 0, p50Ms, p99Ms: p50Ms });
    const round: RoundResult = {
      round: 1,
      ceilingHit: load(100),
      serviceHit: load(95),
      pairHit: load(150),
      peerHit: load(2),
      anvilRaw: load(10),
      serviceMiss: load(4),
      pooledMiss: load(2),
      pairMiss: load(6),
      peerMiss: undefined,
      anvilProbe: probe(0.2),
      serviceProbe: probe(0.4),
    };
    const s = summarize([round], undefined, undefined, {});
    const byName = Object.fromEntries(s.ratios.map((r) => [r.name, r.value]));
    assert.equal(byName['hit / uws ceiling'], 0.95);
    assert.equal(byName['miss / anvil raw'], 0.4);
    assert.equal(byName['miss / fastapi peer'], undefined);
    assert.ok(Math.abs(byName['added p50 per miss at c=1']! - 0.2) < 1e-9);
  });
});

describe('bench smoke', () => {
  it('runs the codec benchmark inline, per-request pooled and batched', async () => {
    const { bursts } = await runCodecBench({ time: 20, workers: 1, burst: 8 });
    assert.deepEqual(
      bursts.map((r) => r.task),
      ['inline (WORKERS=0)', 'per-request pool (1 workers, 1 message per task)', 'batched pool (WORKERS=1, 1 message per turn)', 'inline, ethers.getAddress (slow inline code)'],
    );
    assert.ok(bursts.every((r) => r.samples > 0 && r.ratio !== undefined));
  });

  it('runs the withdrawal benchmark against its AbortController baseline', async () => {
    const rows = await runCancelBench({ time: 10 });
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.ratio, 1);
    assert.ok(rows.every((r) => r.samples > 0 && r.ratio !== undefined));
  });

  it('runs the cache benchmark within its bound', async () => {
    const rows = await runCacheBench({ time: 10, entries: 500 });
    assert.ok(rows.every((r) => r.samples > 0));
  });

  for (const tool of ['autocannon', ...(detectTool() === 'wrk' ? ['wrk' as const] : [])] as const) {
    it(`drives fresh addresses with ${tool}`, async () => {
      const seen = new Set<string>();
      const server = createServer((req, res) => {
        seen.add(req.url ?? '');
        res.end('{}');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const { port } = server.address() as AddressInfo;
        const result = await runLoad(tool, {
          origin: `http://127.0.0.1:${port}`,
          mode: { kind: 'fresh-get', prefix: '00c0ffee' },
          connections: 4,
          durationSec: 1,
        });
        assert.ok(result.requests > 0);
        assert.equal(result.errors, 0);
        assert.ok(seen.size >= Math.min(result.requests, 10), `${seen.size} distinct paths for ${result.requests} requests`);
        assert.ok([...seen].every((path) => /^\/address\/balance\/0x00c0ffee[0-9a-f]{32}$/.test(path)), [...seen][0]);
      } finally {
        server.close();
      }
    });
  }
});
