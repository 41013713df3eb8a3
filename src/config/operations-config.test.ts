/** Config for operations and protection: admin port, rate limits, proxies, API keys, CORS, tracing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

const KEY_A = 'a'.repeat(24);
const KEY_B = 'Bb0_-.~+/='.repeat(3);

describe('loadConfig: operations and protection', () => {
  it('leaves every protection off by default', () => {
    const config = loadConfig({});
    assert.deepEqual(
      {
        adminPort: config.adminPort,
        rateLimitRps: config.rateLimitRps,
        rateLimitBurst: config.rateLimitBurst,
        rateLimitMaxClients: config.rateLimitMaxClients,
        trustedProxyHops: config.trustedProxyHops,
        apiKeys: config.apiKeys,
        corsOrigins: config.corsOrigins,
        otelEndpoint: config.otelEndpoint,
        traceSampleRatio: config.traceSampleRatio,
      },
      {
        adminPort: undefined,
        rateLimitRps: undefined,
        rateLimitBurst: undefined,
        rateLimitMaxClients: 100_000,
        trustedProxyHops: 0,
        apiKeys: [],
        corsOrigins: [],
        otelEndpoint: undefined,
        traceSampleRatio: 0.1,
      },
    );
  });

  it('defaults the burst to the rate, rounded up', () => {
    assert.equal(loadConfig({ RATE_LIMIT_RPS: '2.5' }).rateLimitBurst, 3);
    assert.equal(loadConfig({ RATE_LIMIT_RPS: '0.2' }).rateLimitBurst, 1);
    assert.equal(loadConfig({ RATE_LIMIT_RPS: '10', RATE_LIMIT_BURST: '50' }).rateLimitBurst, 50);
  });

  it('reads API keys bare, named, and with limits of their own, and treats them as secrets', () => {
    const config = loadConfig({ API_KEYS: ` ${KEY_A} , partner-b:${KEY_B}:25, partner-c:${'c'.repeat(16)}:0.5:4` });
    assert.deepEqual(config.apiKeys, [
      { name: 'key-1', key: KEY_A, rps: undefined, burst: undefined },
      { name: 'partner-b', key: KEY_B, rps: 25, burst: 25 },
      { name: 'partner-c', key: 'c'.repeat(16), rps: 0.5, burst: 4 },
    ]);
    for (const k of config.apiKeys) assert.ok(config.secrets.includes(k.key));
  });

  it('strips a trailing slash from the OTLP endpoint', () => {
    assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).otelEndpoint, 'http://collector:4318');
  });

  it('accepts "*" or exact origins for CORS', () => {
    assert.deepEqual(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, ['*']);
    assert.deepEqual(loadConfig({ CORS_ORIGINS: 'https://a.example.com, http://localhost:5173' }).corsOrigins, [
      'https://a.example.com',
      'http://localhost:5173',
    ]);
  });

  const bad: [Record<string, string>, string][] = [
    [{ ADMIN_PORT: '3000' }, 'ADMIN_PORT must differ from PORT (both are 3000)'],
    [{ ADMIN_PORT: 'x' }, 'ADMIN_PORT must be a port number (0-65535), got "x"'],
    [{ RATE_LIMIT_RPS: '0' }, 'RATE_LIMIT_RPS must be a positive number, got "0"'],
    [{ RATE_LIMIT_RPS: '5', RATE_LIMIT_BURST: '2.5' }, 'RATE_LIMIT_BURST must be a positive integer, got "2.5"'],
    [{ RATE_LIMIT_BURST: '5' }, 'RATE_LIMIT_BURST needs RATE_LIMIT_RPS (the refill rate)'],
    [{ RATE_LIMIT_MAX_CLIENTS: '0' }, 'RATE_LIMIT_MAX_CLIENTS must be an integer from 1 to 10000000, got "0"'],
    [{ TRUSTED_PROXY_HOPS: '11' }, 'TRUSTED_PROXY_HOPS must be an integer from 0 to 10, got "11"'],
    [{ API_KEYS: 'short' }, 'API_KEYS entry 1 must have a key of 16-256 characters from A-Z a-z 0-9 . _ ~ + / = -'],
    [{ API_KEYS: `a:${KEY_A},b:${KEY_A}` }, 'API_KEYS entry 2 repeats a key given earlier'],
    [{ API_KEYS: `a:${KEY_A},a:${KEY_B}` }, 'API_KEYS entry 2 repeats the name "a"'],
    [{ API_KEYS: `a b:${KEY_A}` }, 'API_KEYS entry 1 has an invalid name "a b" (letters, digits, . _ -)'],
    [{ API_KEYS: `a:${KEY_A}:fast` }, 'API_KEYS entry 1 rps must be a positive number, got "fast"'],
    [{ API_KEYS: `a:${KEY_A}:5:0` }, 'API_KEYS entry 1 burst must be a positive integer, got "0"'],
    [{ API_KEYS: `a:${KEY_A}:5:1:9` }, 'API_KEYS entry 1 must be key, name:key, name:key:rps or name:key:rps:burst'],
    [{ CORS_ORIGINS: '*,https://a.example.com' }, 'CORS_ORIGINS must be "*" alone or a list of origins, not both'],
    [{ CORS_ORIGINS: 'https://a.example.com/app' }, 'CORS_ORIGINS entries must be origins like "https://app.example.com" (no path), got "https://a.example.com/app"'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got protocol "collector:"'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://u:p@c:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be a base URL like "http://collector:4318", without credentials or query'],
    [{ TRACE_SAMPLE_RATIO: '1.5' }, 'TRACE_SAMPLE_RATIO must be a number from 0 to 1, got "1.5"'],
  ];
  for (const [env, message] of bad) {
    it(`names the variable: ${message}`, () => {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && error.message === message);
    });
  }

  it('never echoes an API key in its error', () => {
    const key = 'SECRET-KEY-0123456789';
    for (const env of [{ API_KEYS: `a:${key}:x` }, { API_KEYS: `a:${key},b:${key}` }, { API_KEYS: `bad name:${key}` }]) {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && !error.message.includes(key));
    }
  });
});
