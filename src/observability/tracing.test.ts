/**
 * Tracing end to end: the real app exports OTLP/HTTP (JSON) to a real HTTP receiver, and with no
 * endpoint configured not one OpenTelemetry module is loaded (checked with a module resolve hook in
 * a child process).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Wallet } from 'ethers';
import { startApp } from '../app.js';
import { seedDevnet, startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from './logger.js';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean } }[];
}

const attr = (span: Span, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.boolValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

let node: AnvilNode;
before(async () => {
  node = await startAnvil({ chainId: 1 });
  await seedDevnet(node);
});
after(async () => {
  await node?.stop();
});

/** An OTLP/HTTP receiver: keeps every span posted to /v1/traces. */
async function startReceiver(): Promise<{ url: string; spans: Span[]; server: Server }> {
  const spans: Span[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] };
        for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('tracing', () => {
  it('exports request -> cache -> upstream spans, joined to the caller\'s trace', async () => {
    const receiver = await startReceiver();
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      RPC_URLS: `devnet=${node.url}`,
      EXPECTED_CHAIN_ID: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      TRACE_SAMPLE_RATIO: '1',
      HEAD_MAX_AGE_MS: '60000',
    });
    const app = await startApp(config, createLogger('silent'));
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const address = Wallet.createRandom().address;
    try {
      const url = `http://127.0.0.1:${app.port}/address/balance/${address}`;
      const miss = await fetch(url, { headers: { 'x-request-id': 'traced-miss', traceparent: `00-${traceId}-${callerSpan}-01` } });
      assert.equal(miss.status, 200);
      const hit = await fetch(url, { headers: { 'x-request-id': 'traced-hit' } });
      assert.equal(hit.status, 200);
    } finally {
      await app.shutdown();
      receiver.server.close();
    }
    const spans = receiver.spans;
    const request = spans.find((s) => attr(s, 'balance_api.request_id') === 'traced-miss');
    assert.ok(request, JSON.stringify(spans.map((s) => s.name)));
    assert.deepEqual(
      { traceId: request.traceId, parent: request.parentSpanId, name: request.name, kind: request.kind, status: attr(request, 'http.response.status_code') },
      { traceId, parent: callerSpan, name: 'GET /address/balance/:address', kind: 2, status: 200 },
    );
    const cache = spans.filter((s) => s.parentSpanId === request.spanId);
    assert.deepEqual(
      cache.map((s) => [s.name, attr(s, 'cache.hit')]),
      [['cache lookup', false]],
    );
    const upstream = spans.filter((s) => s.parentSpanId === cache[0]!.spanId);
    assert.ok(upstream.length >= 1);
    const read = upstream.find((s) => s.name === 'eth_getBalance');
    assert.ok(read, JSON.stringify(upstream.map((s) => s.name)));
    assert.deepEqual(
      { kind: read.kind, provider: attr(read, 'balance_api.provider'), outcome: attr(read, 'balance_api.outcome'), trace: read.traceId },
      { kind: 3, provider: 'devnet', outcome: 'ok', trace: traceId },
    );
    // The hit: a new trace, answered from the cache.
    const second = spans.find((s) => attr(s, 'balance_api.request_id') === 'traced-hit');
    assert.ok(second);
    assert.notEqual(second.traceId, traceId);
    assert.equal(attr(second, 'cache.hit'), true);
    assert.deepEqual(
      spans.filter((s) => s.parentSpanId === second.spanId).map((s) => [s.name, attr(s, 'cache.hit')]),
      [['cache lookup', true]],
    );
    // Addresses stay out of traces.
    assert.doesNotMatch(JSON.stringify(spans), new RegExp(address.slice(2), 'i'));
  });

  /** Starts the app in a child process and lists the OpenTelemetry modules it resolved. */
  async function otelModulesLoaded(env: Record<string, string>): Promise<string[]> {
    const appUrl = new URL('../app.ts', import.meta.url).href;
    const configUrl = new URL('../config/config.ts', import.meta.url).href;
    const loggerUrl = new URL('./logger.ts', import.meta.url).href;
    const hooks = `let port;
export async function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) { const r = await next(specifier, context); port.postMessage(r.url); return r; }`;
    const script = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on('message', (url) => seen.push(url));
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), { data: { port: port2 }, transferList: [port2] });
const { startApp } = await import(${JSON.stringify(appUrl)});
const { loadConfig } = await import(${JSON.stringify(configUrl)});
const { createLogger } = await import(${JSON.stringify(loggerUrl)});
const app = await startApp(loadConfig(JSON.parse(process.env.APP_ENV)), createLogger('silent'));
const res = await fetch('http://127.0.0.1:' + app.port + '/address/balance/0xc94770007dda54cF92009BFF0dE90c06F603a09f');
if (res.status !== 200) throw new Error('status ' + res.status);
await app.shutdown();
await new Promise((r) => setTimeout(r, 50));
port1.close();
process.stdout.write(JSON.stringify(seen.filter((u) => u.includes('@opentelemetry'))));
`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, APP_ENV: JSON.stringify({ PORT: '0', HOST: '127.0.0.1', RPC_URLS: node.url, EXPECTED_CHAIN_ID: '1', ...env }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 0, err);
    return JSON.parse(out) as string[];
  }

  it('loads no OpenTelemetry module when OTEL_EXPORTER_OTLP_ENDPOINT is unset', async () => {
    assert.deepEqual(await otelModulesLoaded({}), []);
    // The probe itself works: with an endpoint the modules show up.
    const loaded = await otelModulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    assert.ok(loaded.some((u) => u.includes('@opentelemetry/sdk-trace')), JSON.stringify(loaded));
  });
});
