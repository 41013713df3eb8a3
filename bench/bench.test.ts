import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { runCacheBench } from './cache.bench.js';
import { runCancelBench } from './cancel.bench.js';
import { runCodecBench } from './codec.bench.js';
import { detectTool, probeLatency, runInterleaved, runLoad } from './http/load.js';
import { startCeiling, startPassthrough } from './http/processes.js';
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

  it('interleaves slices per target with a fresh load each, and alternates c=1 probes request by request', async () => {
    const order: string[] = [];
    const servers = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const server = createServer((req, res) => {
          // First sight of each target and prefix (a request of one slice may land during the next).
          const key = `${name}:${req.url?.slice(0, 27)}`;
          if (!order.includes(key)) order.push(key);
          res.end('{}');
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        return server;
      }),
    );
    try {
      const origins = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
      const prefixes = ['000000a0', '000000a1'];
      const results = await runInterleaved(
        'autocannon',
        origins.map((origin) => ({ origin, mode: (slice: number) => ({ kind: 'fresh-get' as const, prefix: prefixes[slice]! }) })),
        { connections: 2, durationSec: 2, slices: 2 },
      );
      // Slices ran a, b, a, b, each slice of a target on its own prefix, and each target got its sums.
      assert.deepEqual(order.slice(0, 4), [
        'a:/address/balance/0x000000a0',
        'b:/address/balance/0x000000a0',
        'a:/address/balance/0x000000a1',
        'b:/address/balance/0x000000a1',
      ]);
      assert.ok(results.every((r) => r.requests > 0 && r.errors === 0 && r.rps > 0));

      const probes = await probeLatency(
        origins.map((origin) => ({ origin, request: (i: number) => ({ method: 'GET' as const, path: `/p${i}` }) })),
        3,
        0,
      );
      assert.deepEqual(
        order.filter((key) => key.includes(':/p')),
        ['a:/p0', 'b:/p0', 'a:/p1', 'b:/p1', 'a:/p2', 'b:/p2'],
      );
      assert.deepEqual(
        probes.map((p) => [p.samples, p.errors]),
        [
          [3, 0],
          [3, 0],
        ],
      );
    } finally {
      for (const s of servers) s.close();
    }
  });

  it('starts the references: the ceiling with the required headers, and the pass-through forwarding one eth_getBalance', async () => {
    const bodies: string[] = [];
    const upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.end('{"jsonrpc":"2.0","id":1,"result":"0x7"}');
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const ceiling = await startCeiling('{"fixed":1}', true);
    const passthrough = await startPassthrough(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, '"latest"');
    try {
      const hit = await fetch(`http://127.0.0.1:${ceiling.port}/address/balance/x`, { headers: { 'x-request-id': 'r-1' } });
      assert.equal(await hit.text(), '{"fixed":1}');
      assert.equal(hit.headers.get('x-request-id'), 'r-1');
      assert.equal(hit.headers.get('x-content-type-options'), 'nosniff');
      const miss = await fetch(`http://127.0.0.1:${passthrough.port}/address/balance/0xabc`);
      assert.equal(await miss.text(), '{"jsonrpc":"2.0","id":1,"result":"0x7"}');
      assert.deepEqual(bodies.map((b) => JSON.parse(b) as unknown), [{ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: ['0xabc', 'latest'] }]);
    } finally {
      await Promise.all([ceiling.stop(), passthrough.stop()]);
      upstream.close();
    }
  });
});
