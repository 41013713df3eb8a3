/**
 * Hostile input through the real server on a real anvil node: thousands of random paths, headers,
 * methods and addresses (no 5xx, no crash, every answer well-formed), raw junk bytes, and floods of
 * idle and slow connections that must neither starve real clients nor stay open for long.
 * Randomness is seeded; a failure prints the seed (HOSTILE_SEED=<n> replays it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAddress } from 'ethers';
import { startApp, type App } from '../app.js';
import { SEED_ADDRESS, seedDevnet, startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { RawConnection, type RawResponse } from '../testing/raw-http.js';
import { mulberry32 } from '../testing/stats.js';

const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 1_000_000);
const API_KEY = 'fuzz-key-0123456789abcdef';

const prng = mulberry32;

class Fuzz {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = prng(seed);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chars(alphabet: string, min: number, max: number): string {
    let out = '';
    for (let i = min + this.int(max - min + 1); i > 0; i--) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  hex(n: number): string {
    return this.chars('0123456789abcdef', n, n);
  }

  address(): string {
    const lower = `0x${this.hex(40)}`;
    switch (this.int(8)) {
      case 0:
        return lower;
      case 1:
        return lower.toUpperCase().replace('0X', '0x');
      case 2:
        return getAddress(lower);
      case 3: {
        // A wrong checksum: flip the case of one letter of a valid one.
        const valid = getAddress(lower);
        const i = valid.slice(2).search(/[a-fA-F]/);
        if (i < 0) return valid;
        const c = valid[i + 2]!;
        return valid.slice(0, i + 2) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + valid.slice(i + 3);
      }
      case 4:
        return `0x${this.hex(this.int(80))}`;
      case 5:
        return this.chars('0123456789abcdefxyzXYZ-_.~!$&\'()*+,;=:@', 0, 60);
      case 6:
        return SEED_ADDRESS;
      default:
        return `%${this.hex(2)}${this.chars('%0123456789abcdefABCDEF', 0, 40)}`;
    }
  }

  path(): string {
    const segment = () => this.chars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&\'()*+,;=:@%', 0, 20);
    const query = this.chance(0.2) ? `?${this.chars('abcdefghijklmnopqrstuvwxyz0123456789=&%+', 0, 60)}` : '';
    switch (this.int(10)) {
      case 0:
      case 1:
      case 2:
      case 3:
        return `/address/balance/${this.address()}${query}`;
      case 4:
        return `/address/balance/${this.address()}/${segment()}`;
      case 5:
        return this.pick(['/healthz', '/readyz', '/providers', '/metrics', '/address', '/address/', '/address/balance', '/address/balance/']) + query;
      case 6:
        return `/${Array.from({ length: this.int(8) }, segment).join(this.pick(['/', '//', '/./', '/../']))}${query}`;
      case 7:
        return `/address/balance/${'a'.repeat(1800 + this.int(600))}`;
      case 8:
        return `/${this.pick(['%00', '%ff', '%', '%%', '%2e%2e', '%c0%af', '..', '~', '*'])}${segment()}`;
      default:
        return `/address/balance/${SEED_ADDRESS}${query}`;
    }
  }

  headerValue(): string {
    switch (this.int(6)) {
      case 0:
        return this.chars('abcdefghijklmnopqrstuvwxyz0123456789 -_.,;:/=', 0, 30);
      case 1:
        return Array.from({ length: 1 + this.int(5) }, () => `${this.int(256)}.${this.int(256)}.${this.int(256)}.${this.int(256)}`).join(', ');
      case 2:
        return this.chars(' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`{|}~', 0, 2000);
      case 3:
        return `00-${this.hex(32)}-${this.hex(16)}-0${this.int(2)}`;
      case 4:
        return this.chance(0.5) ? API_KEY : this.chars('abcdef0123456789-', 0, 40);
      default:
        return '';
    }
  }

  /** A well-framed HTTP/1.1 request (the server must answer it) and whether it is a HEAD. */
  request(apiKey?: string): { raw: string; head: boolean; path: string } {
    // Methods uWS knows; others (FOO, lower-case get) make uWS close the connection unanswered.
    const method = this.chance(0.75) ? 'GET' : this.pick(['HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT']);
    const path = this.path();
    const lines = [`${method} ${path} HTTP/1.1`, 'Host: fuzz'];
    if (apiKey !== undefined && this.chance(0.8)) lines.push(`x-api-key: ${apiKey}`);
    const names = ['x-request-id', 'x-forwarded-for', 'x-api-key', 'origin', 'traceparent', 'tracestate', 'accept', 'user-agent', 'cookie', 'authorization'];
    for (let i = this.int(20); i > 0; i--) {
      const name = this.chance(0.7) ? this.pick(names) : this.chars('abcdefghijklmnopqrstuvwxyz0123456789-', 1, 30);
      lines.push(`${this.chance(0.2) ? name.toUpperCase() : name}: ${this.headerValue()}`);
    }
    // uWS closes a connection whose request head spans reads and passes 4 KiB (tested apart):
    // keep these heads under that so each one must be answered.
    while (lines.join('\r\n').length > 3800 && lines.length > 2) lines.pop();
    let body = '';
    if (this.chance(0.1)) {
      body = this.chars('{}[]":,abc0123', 0, 100);
      lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    }
    return { raw: `${lines.join('\r\n')}\r\n\r\n${body}`, head: method === 'HEAD', path };
  }
}

const EXPECTED_STATUSES = new Set([200, 204, 400, 401, 404, 405, 413, 414, 429]);

let node: AnvilNode;
const apps: App[] = [];
const logged: Record<string, unknown>[] = [];

async function start(env: Record<string, string>): Promise<App> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    RPC_URLS: node.url,
    EXPECTED_CHAIN_ID: '1',
    ADDRESS_CHECKSUM: 'strict',
    ...env,
  });
  const app = await startApp(config, createLogger('warn', { write: (line: string) => void logged.push(JSON.parse(line)) }));
  apps.push(app);
  return app;
}

before(async () => {
  node = await startAnvil({ chainId: 1 });
  await seedDevnet(node);
});

after(async () => {
  await Promise.allSettled(apps.map((a) => a.shutdown()));
  await node?.stop();
});

async function metricsOf(port: number): Promise<string> {
  const connection = await RawConnection.open(port);
  try {
    const res = (await connection.request('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')) as RawResponse;
    assert.equal(res.status, 200);
    return res.body;
  } finally {
    connection.close();
  }
}

/** Every status the server answered, from its own metrics. */
function answeredStatuses(metrics: string): Set<string> {
  return new Set([...metrics.matchAll(/^balance_api_http_requests_total\{route="[a-z]+",status="([^"]+)"\}/gm)].map((m) => m[1]!));
}

describe(`hostile input (seed ${SEED})`, () => {
  for (const [name, env] of [
    ['defaults', {}],
    [
      'every protection on',
      { API_KEYS: `fuzz:${API_KEY}`, RATE_LIMIT_RPS: '200', RATE_LIMIT_BURST: '50', RATE_LIMIT_MAX_CLIENTS: '64', TRUSTED_PROXY_HOPS: '1', CORS_ORIGINS: 'https://app.example.com' },
    ],
  ] as const) {
    it(`answers 3000 random requests well-formed and without a 5xx (${name})`, async () => {
      const app = await start(env);
      const fuzz = new Fuzz(SEED + name.length);
      const perConnection = 3000 / 6;
      const counts = new Map<number, number>();
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          let connection = await RawConnection.open(app.port);
          for (let i = 0; i < perConnection; i++) {
            if (connection.closed) connection = await RawConnection.open(app.port);
            const { raw, head, path } = fuzz.request('API_KEYS' in env ? API_KEY : undefined);
            const res = await connection.request(raw, 5000, head);
            assert.ok(typeof res !== 'string', `no answer (${res}) to ${JSON.stringify(raw.slice(0, 300))} [seed ${SEED}]`);
            counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
            if (res.headers.connection === 'close') {
              connection.close();
              connection = await RawConnection.open(app.port);
            }
            assert.ok(EXPECTED_STATUSES.has(res.status), `status ${res.status} for ${JSON.stringify(raw.slice(0, 300))}: ${res.body} [seed ${SEED}]`);
            assert.equal(res.headers['x-content-type-options'], 'nosniff');
            assert.match(res.headers['x-request-id'] ?? '', /^[A-Za-z0-9._:/+=@-]{1,128}$/);
            if (!head && res.status !== 204 && !(res.headers['content-type'] ?? '').startsWith('text/plain')) {
              const body = JSON.parse(res.body) as Record<string, unknown>;
              if (res.status >= 400) {
                assert.equal(res.headers['content-type'], 'application/problem+json');
                assert.equal(body.status, res.status);
                assert.equal(typeof body.code, 'string');
              } else if (path.startsWith('/address/balance/')) {
                assert.match(String(body.balanceWei), /^\d+$/);
              }
            }
          }
          connection.close();
        }),
      );
      // Enough of each kind to mean something, whatever the seed.
      assert.ok((counts.get(200) ?? 0) > 50, JSON.stringify([...counts]));
      assert.ok((counts.get(400) ?? 0) + (counts.get(401) ?? 0) > 100, JSON.stringify([...counts]));
      const statuses = answeredStatuses(await metricsOf(app.port));
      for (const status of statuses) assert.ok(!status.startsWith('5'), `answered ${status}`);
      assert.deepEqual(
        logged.filter((l) => (l.level as number) >= 50),
        [],
      );
    });
  }

  it('survives junk bytes, oversized and overfull headers, and stays healthy', async () => {
    const app = await start({});
    const fuzz = new Fuzz(SEED + 7);
    const junk: (string | Buffer)[] = [
      '\x00\x01\x02\x03 garbage\r\n\r\n',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      Buffer.from('16030100a5010000a10303', 'hex'),
      'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 100 }, (_, i) => `x-h${i}: v`).join('\r\n')}\r\n\r\n`,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(600_000)}\r\n\r\n`,
      `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      '\r\n\r\n\r\n\r\n',
      'GET',
      'FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
      'get /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    ];
    for (let i = 0; i < 200; i++) junk.push(Buffer.from(Array.from({ length: 1 + fuzz.int(400) }, () => fuzz.int(256))));
    await Promise.all(
      junk.map(async (bytes) => {
        const connection = await RawConnection.open(app.port).catch(() => undefined);
        if (connection === undefined) return;
        connection.write(bytes);
        const res = await connection.response(300);
        // 505 is uWS 20.57's own answer to an HTTP version it does not speak (HTTP/2 preface, 9.9).
        if (typeof res !== 'string') assert.ok(res.status < 500 || res.status === 505, `status ${res.status}`);
        connection.close();
      }),
    );
    // uWS's own limit: a request head may not pass 4 KiB (20.30: when it arrives in pieces; 20.57:
    // at all). 20.30 drops the connection; 20.57 answers 431 and closes it.
    const split = await RawConnection.open(app.port);
    const big = `GET /healthz HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(8000)}\r\n\r\n`;
    split.write(big.slice(0, 3000));
    await new Promise((r) => setTimeout(r, 50));
    split.write(big.slice(3000));
    const outcome = await split.response(2000);
    assert.ok(outcome === 'closed' || (typeof outcome !== 'string' && outcome.status === 431), JSON.stringify(outcome));
    const connection = await RawConnection.open(app.port);
    const health = (await connection.request('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')) as RawResponse;
    connection.close();
    assert.equal(health.status, 200);
    for (const status of answeredStatuses(await metricsOf(app.port))) assert.ok(!status.startsWith('5'), `answered ${status}`);
  });

  it('keeps serving real clients through a flood of idle and slow connections, and times those out', async () => {
    const app = await start({});
    // In batches: a burst past the listen backlog leaves connections the server never accepted.
    const open = async (n: number) => {
      const out: RawConnection[] = [];
      for (let i = 0; i < n; i += 100) out.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => RawConnection.open(app.port)))));
      return out;
    };
    const idle = await open(1500);
    // Slowloris: a request head that never ends, one byte at a time.
    const slow = await open(200);
    for (const s of slow) s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => {
      for (const s of slow) s.write('x');
    }, 500);
    try {
      const started = Date.now();
      for (let i = 0; i < 200; i++) {
        const connection = await RawConnection.open(app.port);
        const res = (await connection.request(`GET /address/balance/${SEED_ADDRESS} HTTP/1.1\r\nHost: x\r\n\r\n`, 2000)) as RawResponse;
        connection.close();
        assert.equal(res.status, 200);
      }
      assert.ok(Date.now() - started < 10_000, `200 requests took ${Date.now() - started} ms`);
      // uWS closes HTTP connections idle (or stuck in a request head) for about 10 s; its timer ticks every 4 s.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && [...idle, ...slow].some((c) => !c.closed)) await new Promise((r) => setTimeout(r, 250));
      assert.equal(idle.filter((c) => !c.closed).length, 0, 'idle connections still open');
      assert.equal(slow.filter((c) => !c.closed).length, 0, 'slow connections still open');
    } finally {
      clearInterval(drip);
      for (const c of [...idle, ...slow]) c.close();
    }
  });
});
