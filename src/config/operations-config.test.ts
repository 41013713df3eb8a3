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

  it('never echoes an API key in its error', () => {
    const key = 'SECRET-KEY-0123456789';
    for (const env of [{ API_KEYS: `a:${key}:x` }, { API_KEYS: `a:${key},b:${key}` }, { API_KEYS: `bad name:${key}` }]) {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && !error.message.includes(key));
    }
  });
});
