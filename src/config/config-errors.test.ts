/** Every refusal names the variable, and the offending value unless it may hold a secret. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

const KEY_A = 'a'.repeat(24);
const KEY_B = 'Bb0_-.~+/='.repeat(3);

describe('loadConfig refuses bad values', () => {
  const bad: [Record<string, string>, string][] = [
    // The service, its cache and its upstreams.
    [{ CACHE_TTL_SECONDS: 'abc' }, 'CACHE_TTL_SECONDS must be a non-negative number, got "abc"'],
    [{ CACHE_TTL_SECONDS: '-1' }, 'CACHE_TTL_SECONDS must be a non-negative number, got "-1"'],
    [{ PORT: '70000' }, 'PORT must be a port number (0-65535), got "70000"'],
    [{ CACHE_MAX_ENTRIES: '1.5' }, 'CACHE_MAX_ENTRIES must be a positive integer, got "1.5"'],
    [{ UPSTREAM_TIMEOUT_MS: '0' }, 'UPSTREAM_TIMEOUT_MS must be a positive integer (milliseconds), got "0"'],
    [{ ADDRESS_CHECKSUM: 'loose' }, 'ADDRESS_CHECKSUM must be one of strict, lenient, got "loose"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [{ WORKERS: 'two' }, 'WORKERS must be an integer from 0 to 64, got "two"'],
    [{ RPC_URLS: 'ftp://x' }, 'RPC_URLS entry 1 must be an http(s) URL, got protocol "ftp:"'],
    [{ RPC_URLS: 'not a url' }, 'RPC_URLS entry 1 must be an http(s) URL, got a value that does not parse as a URL'],
    [{ INFURA_PROJECT_ID: 'abc/def' }, 'INFURA_PROJECT_ID entry 1 must be alphanumeric'],
    // Operations and protection.
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
});
