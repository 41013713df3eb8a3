/**
 * Operations and protection through the real server: request ids (responses and logs), /metrics,
 * hardening, CORS, rate limits per socket and per forwarded client, API keys. One anvil node behind
 * a fault proxy serves every app started here.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Wallet } from 'ethers';
import { startApp, type App } from '../app.js';
import { SEED_ADDRESS, seedDevnet, startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { expectedProblem } from '../testing/expected-problem.js';
import { startFaultProxy, type FaultProxy } from '../testing/fault-proxy.js';
import { RawConnection, rawRequest, type RawResponse } from '../testing/raw-http.js';
import { samples } from '../testing/prometheus-text.js';

const BALANCE = `/address/balance/${SEED_ADDRESS}`;
const PROBLEM = 'application/problem+json';
const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A GET on a fresh connection, optionally from another loopback address (another client). */
function get(port: number, path: string, options: { headers?: Record<string, string>; from?: string; method?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, localAddress: options.from, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // keep text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let node: AnvilNode;
let proxy: FaultProxy;
const apps: App[] = [];

async function start(env: Record<string, string> = {}, lines?: Record<string, unknown>[]): Promise<App> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    RPC_URLS: `primary=${proxy.url}`,
    EXPECTED_CHAIN_ID: '1',
    UPSTREAM_TIMEOUT_MS: '500',
    REQUEST_DEADLINE_MS: '1500',
    CACHE_TTL_SECONDS: '60',
    HEAD_MAX_AGE_MS: '60000',
    // Inline, as this file's counts were written for; the pool's own counts are codec-pool.test.ts's.
    WORKERS: '0',
    ...env,
  });
  const destination = { write: (line: string) => void lines?.push(JSON.parse(line) as Record<string, unknown>) };
  const app = await startApp(config, createLogger(lines === undefined ? 'silent' : 'debug', destination));
  apps.push(app);
  return app;
}

before(async () => {
  node = await startAnvil({ chainId: 1 });
  await seedDevnet(node);
  proxy = await startFaultProxy(node.url);
});

after(async () => {
  await Promise.allSettled(apps.map((a) => a.shutdown()));
  await proxy?.close();
  await node?.stop();
});

describe('request ids', () => {
  it('echoes x-request-id, sanitises a hostile one and generates distinct ones otherwise', async () => {
    const app = await start();
    assert.equal((await get(app.port, BALANCE, { headers: { 'x-request-id': 'caller-7f3a' } })).headers['x-request-id'], 'caller-7f3a');
    assert.equal((await get(app.port, '/nope', { headers: { 'x-request-id': 'a b<script>"c' } })).headers['x-request-id'], 'abscriptc');
    const long = await get(app.port, BALANCE, { headers: { 'x-request-id': 'x'.repeat(3000) } });
    assert.equal(long.headers['x-request-id'], 'x'.repeat(128));
    const generated = await Promise.all([get(app.port, BALANCE), get(app.port, '/healthz'), get(app.port, '/address/balance/0x12')]);
    const ids = generated.map((r) => r.headers['x-request-id'] as string);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{8}-\d+$/);
    assert.equal(new Set(ids).size, 3);
  });

  it("puts the request id on every log line of a failing request, the router's included", async () => {
    const lines: Record<string, unknown>[] = [];
    // One pass: a retry round after the 1 s back-off would log a second cooling episode.
    const app = await start({ RETRY_MAX_ROUNDS: '0' }, lines);
    proxy.set({ fault: { kind: 'http-429', retryAfterSeconds: 1 }, methods: ['eth_getBalance'] });
    try {
      const res = await get(app.port, `/address/balance/${Wallet.createRandom().address}`, { headers: { 'x-request-id': 'trace-me-1' } });
      assert.equal(res.status, 502);
      assert.equal(res.headers['x-request-id'], 'trace-me-1');
    } finally {
      proxy.set({ kind: 'pass' });
    }
    const mine = lines.filter((l) => l.reqId === 'trace-me-1');
    assert.deepEqual(
      mine.map((l) => l.msg),
      ['provider rate-limited us: cooling', 'request failed', 'request'],
    );
    assert.equal(mine.find((l) => l.msg === 'request')?.status, 502);
    // A successful request logs nothing above debug.
    const before = lines.length;
    await get(app.port, '/healthz');
    assert.deepEqual(
      lines.slice(before).map((l) => [l.level, l.msg]),
      [[20, 'request']],
    );
  });
});


describe('/metrics', () => {
  it('serves request, cache, upstream, provider, head, pool and process metrics, and never an address', async () => {
    const app = await start();
    const fresh = Wallet.createRandom().address;
    assert.equal((await get(app.port, `/address/balance/${fresh}`)).status, 200);
    assert.equal((await get(app.port, `/address/balance/${fresh}`)).status, 200);
    assert.equal((await get(app.port, `/address/balance/${fresh.toLowerCase()}`)).status, 400);
    assert.equal((await get(app.port, `/nope/${fresh}`)).status, 404);
    const res = await get(app.port, '/metrics');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const text = res.body as string;
    assert.doesNotMatch(text, /0x[0-9a-fA-F]{40}/);
    const m = samples(text);
    const expected: [string, number][] = [
      ['balance_api_http_requests_total{route="balance",status="200"}', 2],
      ['balance_api_http_requests_total{route="balance",status="400"}', 1],
      ['balance_api_http_requests_total{route="unmatched",status="404"}', 1],
      ['balance_api_http_request_duration_seconds_count{route="balance"}', 3],
      ['balance_api_http_request_duration_seconds_bucket{route="balance",le="+Inf"}', 3],
      ['balance_api_cache_hits_total', 1],
      ['balance_api_cache_misses_total', 1],
      ['balance_api_cache_coalesced_total', 0],
      ['balance_api_provider_score{provider="primary"}', 1],
      ['balance_api_provider_state{provider="primary",state="healthy"}', 1],
      ['balance_api_provider_state{provider="primary",state="open"}', 0],
      ['balance_api_codec_pool_workers', 0],
      ['balance_api_http_inflight_requests', 0],
    ];
    for (const [name, value] of expected) assert.equal(m.get(name), value, name);
    assert.ok(m.get('balance_api_upstream_calls_total{provider="primary",method="eth_getBalance",outcome="ok"}')! >= 1);
    assert.ok(m.get('balance_api_head_block_number')! >= 1);
    assert.ok(m.get('balance_api_head_age_seconds')! >= 0);
    for (const name of ['nodejs_eventloop_lag_seconds', 'process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'balance_api_codec_pool_queue_size']) {
      assert.ok(m.has(name), name);
    }
    assert.ok([...m.keys()].some((k) => k.startsWith('balance_api_build_info{version="0.1.0"')));
  });

  it('moves /metrics to ADMIN_PORT when set', async () => {
    const app = await start({ ADMIN_PORT: '0' });
    assert.ok(app.adminPort !== undefined && app.adminPort !== app.port);
    assert.equal((await get(app.port, '/metrics')).status, 404);
    const admin = await get(app.adminPort, '/metrics');
    assert.equal(admin.status, 200);
    assert.match(admin.body as string, /balance_api_http_requests_total\{route="unmatched",status="404"\} 1/);
    assert.equal((await get(app.adminPort, '/address/balance/x')).status, 404);
  });
});

describe('hardening', () => {
  let app: App;
  before(async () => {
    app = await start();
  });

  const send = (head: string) => rawRequest(app.port, `${head}\r\n\r\n`) as Promise<RawResponse>;

  it('refuses a URL over 2048 characters with 414 and keeps the connection', async () => {
    const connection = await RawConnection.open(app.port);
    try {
      const res = (await connection.request(`GET /address/balance/${'a'.repeat(2100)} HTTP/1.1\r\nHost: x\r\n\r\n`)) as RawResponse;
      assert.equal(res.status, 414);
      assert.equal(JSON.parse(res.body).code, 'URI_TOO_LONG');
      const next = (await connection.request(`GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`)) as RawResponse;
      assert.equal(next.status, 200);
    } finally {
      connection.close();
    }
  });

  // [request head and body, status, code]
  const refusals: [string, string, number, string][] = [
    ['a body on GET', `GET ${BALANCE} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello`, 400, 'BODY_NOT_ALLOWED'],
    ['a chunked body on GET', `GET ${BALANCE} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, 400, 'BODY_NOT_ALLOWED'],
    ['a body on GET /healthz', `GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`, 400, 'BODY_NOT_ALLOWED'],
    ['an oversized body', `POST ${BALANCE} HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n`, 413, 'PAYLOAD_TOO_LARGE'],
    ['a body of unknown length', `PUT /anything HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`, 413, 'PAYLOAD_TOO_LARGE'],
  ];
  for (const [what, raw, status, code] of refusals) {
    it(`answers ${status} ${code} to ${what} and closes the connection unread`, async () => {
      const connection = await RawConnection.open(app.port);
      try {
        const res = (await connection.request(raw)) as RawResponse;
        assert.equal(res.status, status);
        assert.equal(res.headers['content-type'], PROBLEM);
        assert.equal(JSON.parse(res.body).code, code);
        assert.equal(res.headers.connection, 'close');
        assert.equal(await connection.response(2000), 'closed');
      } finally {
        connection.close();
      }
    });
  }

  it('answers a small body on another method with 405 and reads on', async () => {
    const res = (await rawRequest(app.port, `POST ${BALANCE} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`)) as RawResponse;
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET');
  });

  it('sends nosniff, no-store and a request id, and no banner of its own', async () => {
    const res = await send(`GET ${BALANCE} HTTP/1.1\r\nHost: x`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.ok(res.headers['x-request-id']);
    assert.equal(res.headers.server, undefined);
    assert.equal(res.headers['x-powered-by'], undefined);
    // Both uWS builds write `uWebSockets: 20` unless _cfg('silent') ran first (src/http/uws.ts).
    assert.equal(res.headers.uwebsockets, undefined);
  });

  it('keeps CORS off by default', async () => {
    const res = await get(app.port, BALANCE, { headers: { origin: 'https://evil.example' } });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    assert.equal((await get(app.port, BALANCE, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } })).status, 405);
  });

  it('allows only the configured origins when CORS_ORIGINS is set', async () => {
    const cors = await start({ CORS_ORIGINS: 'https://app.example.com' });
    const allowed = await get(cors.port, BALANCE, { headers: { origin: 'https://app.example.com' } });
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(allowed.headers['access-control-expose-headers'], 'x-request-id, retry-after');
    assert.equal(allowed.headers.vary, 'origin');
    const other = await get(cors.port, BALANCE, { headers: { origin: 'https://evil.example' } });
    assert.equal(other.status, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    assert.equal(other.headers.vary, 'origin');
    const preflight = await get(cors.port, BALANCE, { method: 'OPTIONS', headers: { origin: 'https://app.example.com' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-methods'], 'GET');
    assert.equal(preflight.headers['access-control-allow-headers'], 'x-api-key, x-request-id');
    const batch = await get(cors.port, '/address/balances', { method: 'OPTIONS', headers: { origin: 'https://app.example.com' } });
    assert.equal(batch.status, 204);
    assert.equal(batch.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(batch.headers['access-control-allow-methods'], 'POST');
    assert.equal(batch.headers['access-control-allow-headers'], 'x-api-key, x-request-id, content-type');
  });
});

describe('rate limits', () => {
  // One token per 10 s: nothing refills while a test runs.
  const LIMIT = { RATE_LIMIT_RPS: '0.1', RATE_LIMIT_BURST: '2' };

  async function statuses(port: number, n: number, options: Parameters<typeof get>[2] = {}, path = BALANCE): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await get(port, path, options)).status);
    return out;
  }

  it('limits each socket address on its own with 429 problem+json and Retry-After, and never limits health or metrics', async () => {
    const app = await start(LIMIT);
    assert.deepEqual(await statuses(app.port, 2), [200, 200]);
    const limited = await get(app.port, BALANCE);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers['content-type'], PROBLEM);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 10, String(retryAfter));
    assert.deepEqual(
      limited.body,
      expectedProblem('rate-limited', {
        title: 'Too many requests',
        status: 429,
        code: 'RATE_LIMITED',
        detail: `each client is limited to 0.1 requests per second (burst 2); retry after ${retryAfter} s`,
        retryAfterSeconds: retryAfter,
      }),
    );
    // Unknown routes count too; another address has its own bucket.
    assert.equal((await get(app.port, '/nope')).status, 429);
    assert.deepEqual(await statuses(app.port, 2, { from: '127.0.0.2' }), [200, 200]);
    for (const path of ['/healthz', '/readyz', '/metrics']) assert.deepEqual(await statuses(app.port, 5, {}, path), [200, 200, 200, 200, 200], path);
  });

  it('ignores X-Forwarded-For unless TRUSTED_PROXY_HOPS is set', async () => {
    const app = await start(LIMIT);
    const spoofed = ['1.1.1.1', '2.2.2.2', '3.3.3.3'].map((ip) => get(app.port, BALANCE, { headers: { 'x-forwarded-for': ip } }));
    assert.deepEqual((await Promise.all(spoofed)).map((r) => r.status).sort(), [200, 200, 429]);
  });

  it('limits each forwarded client behind TRUSTED_PROXY_HOPS=1, trusting only the entry the proxy wrote', async () => {
    const app = await start({ ...LIMIT, TRUSTED_PROXY_HOPS: '1' });
    const as = (xff: string) => ({ headers: { 'x-forwarded-for': xff } });
    assert.deepEqual(await statuses(app.port, 3, as('198.51.100.1')), [200, 200, 429]);
    // The client may prepend anything; the rightmost entry is what the ALB saw.
    assert.deepEqual(await statuses(app.port, 1, as('203.0.113.9, 198.51.100.1')), [429]);
    assert.deepEqual(await statuses(app.port, 3, as('198.51.100.1, 198.51.100.2')), [200, 200, 429]);
    // Same socket, different forwarded clients: still separate.
    assert.deepEqual(await statuses(app.port, 1, as('198.51.100.3')), [200]);
  });

  it("bounds the limiter's memory by RATE_LIMIT_MAX_CLIENTS", async () => {
    const app = await start({ ...LIMIT, TRUSTED_PROXY_HOPS: '1', RATE_LIMIT_MAX_CLIENTS: '20' });
    const connection = await RawConnection.open(app.port);
    try {
      for (let i = 0; i < 300; i++) {
        const res = (await connection.request(`GET /nope HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.${i >> 8}.${i & 255}\r\n\r\n`)) as RawResponse;
        assert.equal(res.status, 404);
      }
    } finally {
      connection.close();
    }
    const m = samples((await get(app.port, '/metrics')).body as string);
    assert.equal(m.get('balance_api_rate_limiter_clients'), 20);
  });
});

describe('API keys', () => {
  it('requires a known key, limits each key on its own, and leaves health and metrics open', async () => {
    const app = await start({ API_KEYS: `partner-a:${KEY_A}:0.1:1,partner-b:${KEY_B}` });
    const missing = await get(app.port, BALANCE);
    assert.equal(missing.status, 401);
    assert.deepEqual(
      missing.body,
      expectedProblem('unauthorized', { title: 'Missing or unknown API key', status: 401, code: 'UNAUTHORIZED', detail: 'send a valid API key in the x-api-key header' }),
    );
    assert.equal((await get(app.port, BALANCE, { headers: { 'x-api-key': `${KEY_A}x` } })).status, 401);
    assert.equal((await get(app.port, '/providers')).status, 401);
    const a = { headers: { 'x-api-key': KEY_A } };
    assert.equal((await get(app.port, BALANCE, a)).status, 200);
    const limited = await get(app.port, BALANCE, a);
    assert.equal(limited.status, 429);
    assert.match(limited.body.detail, /^API key "partner-a" is limited to 0\.1 requests per second \(burst 1\); retry after \d+ s$/);
    for (let i = 0; i < 5; i++) assert.equal((await get(app.port, BALANCE, { headers: { 'x-api-key': KEY_B } })).status, 200);
    assert.equal((await get(app.port, '/healthz')).status, 200);
    const metrics = await get(app.port, '/metrics');
    assert.equal(metrics.status, 200);
    assert.equal(samples(metrics.body as string).get('balance_api_rate_limited_total{scope="key"}'), 1);
    assert.doesNotMatch(metrics.body as string, new RegExp(`${KEY_A}|${KEY_B}`));
  });
});
