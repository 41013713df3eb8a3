/** One reader for every variable: trimmed once, one number parser, one message shape. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';
import { integerFrom, list, number, oneOf, POSITIVE_INT, raw } from './env-parsers.js';
import { loadSharedCacheConfig } from './shared-cache-config.js';

const refusal = (message: string) => (error: unknown) => error instanceof ConfigError && error.message === message;

describe('env parsers', () => {
  it('trims a value and treats a blank one as unset', () => {
    assert.equal(raw({ A: '  x y \t' }, 'A'), 'x y');
    assert.equal(raw({ A: ' \n ' }, 'A'), undefined);
    assert.equal(raw({}, 'A'), undefined);
    assert.equal(number({ A: '   ' }, 'A', 7, POSITIVE_INT), 7);
    assert.deepEqual(list({ A: ' a , ,b ' }, 'A'), ['a', 'b']);
    assert.equal(oneOf({ A: ' OFF ' }, 'A', ['on', 'off'], 'on'), 'off');
  });

  const refused: [string, string][] = [
    ['1e3', 'exponent notation'],
    ['0x10', 'hexadecimal'],
    ['0b1', 'binary'],
    ['12abc', 'trailing text'],
    [' 12abc', 'trailing text after a blank'],
    ['1.5', 'a fraction for an integer'],
    ['+5', 'a sign other than minus'],
    ['.5', 'a fraction without its integer part'],
    ['Infinity', 'infinity'],
    ['99999999999999999999', 'an integer past 2^53'],
    ['0', 'a value under the minimum'],
  ];
  for (const [value, what] of refused) {
    it(`refuses ${what} (${JSON.stringify(value)}) naming the variable`, () => {
      assert.throws(() => number({ N: value }, 'N', 1, POSITIVE_INT), refusal(`N must be a positive integer, got "${value.trim()}"`));
    });
  }

  it('reads plain decimals, a fraction where the rule allows one', () => {
    assert.equal(number({ N: ' 42 ' }, 'N', 1, POSITIVE_INT), 42);
    assert.equal(number({ N: '0.25' }, 'N', undefined, { min: 0, what: 'a non-negative number' }), 0.25);
    assert.equal(number({ N: '10' }, 'N', 1, integerFrom(1, 10)), 10);
    assert.throws(() => number({ N: '11' }, 'N', 1, integerFrom(1, 10)), refusal('N must be an integer from 1 to 10, got "11"'));
  });
});

describe('every config module reads through them', () => {
  it('refuses REDIS_TIMEOUT_MS=1e3 like every other number', () => {
    for (const value of ['1e3', '0x10', ' 12abc', '1.5']) {
      assert.throws(
        () => loadSharedCacheConfig({ REDIS_URL: 'redis://h', REDIS_TIMEOUT_MS: value }),
        refusal(`REDIS_TIMEOUT_MS must be a positive integer, got "${value.trim()}"`),
      );
      assert.throws(
        () => loadSharedCacheConfig({ REDIS_URL: 'redis://h', SHARED_CACHE_TTL_SECONDS: value }),
        refusal(`SHARED_CACHE_TTL_SECONDS must be a positive integer, got "${value.trim()}"`),
      );
    }
    assert.throws(() => loadConfig({ CACHE_MAX_ENTRIES: '1e3' }), refusal('CACHE_MAX_ENTRIES must be a positive integer, got "1e3"'));
  });

  it('accepts values with surrounding whitespace, trimmed', () => {
    const config = loadConfig({
      PORT: ' 8080 ',
      HOST: ' 127.0.0.1 ',
      LOG_LEVEL: ' Debug ',
      RATE_LIMIT_RPS: ' 2.5 ',
      DOCS: ' OFF ',
      PUBLIC_BASE_URL: ' https://balance.example.com/ ',
      CORS_ORIGINS: ' https://a.example.com ',
      REDIS_URL: ' redis://cache.internal:6380 ',
      REDIS_TIMEOUT_MS: ' 25 ',
      SHARED_CACHE_TTL_SECONDS: '\t300\n',
      REDIS_KEY_PREFIX: ' green: ',
    });
    assert.deepEqual(
      {
        port: config.port,
        host: config.host,
        logLevel: config.logLevel,
        rateLimitRps: config.rateLimitRps,
        docs: config.docs,
        publicBaseUrl: config.publicBaseUrl,
        corsOrigins: config.corsOrigins,
        redis: [config.sharedCache?.host, config.sharedCache?.port, config.sharedCache?.timeoutMs, config.sharedCache?.ttlSeconds, config.sharedCache?.keyPrefix],
      },
      {
        port: 8080,
        host: '127.0.0.1',
        logLevel: 'debug',
        rateLimitRps: 2.5,
        docs: false,
        publicBaseUrl: 'https://balance.example.com',
        corsOrigins: ['https://a.example.com'],
        redis: ['cache.internal', 6380, 25, 300, 'green:'],
      },
    );
  });

  it('takes a blank REDIS_KEY_PREFIX as unset, like every other variable', () => {
    assert.equal(loadSharedCacheConfig({ REDIS_URL: 'redis://h', REDIS_KEY_PREFIX: '' })!.keyPrefix, 'balance-api:');
    assert.equal(loadSharedCacheConfig({ REDIS_URL: 'redis://h', REDIS_KEY_PREFIX: '  ' })!.keyPrefix, 'balance-api:');
  });

  it('reads EXPECTED_CHAIN_ID as a number with NETWORKS too', () => {
    assert.equal(loadConfig({ NETWORKS: 'base', EXPECTED_CHAIN_ID: ' 8453 ' }).expectedChainId, 8453);
    assert.throws(() => loadConfig({ NETWORKS: 'base', EXPECTED_CHAIN_ID: 'abc' }), refusal('EXPECTED_CHAIN_ID must be a positive integer chain id, got "abc"'));
    assert.throws(() => loadConfig({ EXPECTED_CHAIN_ID: '0x1' }), refusal('EXPECTED_CHAIN_ID must be a positive integer chain id, got "0x1"'));
  });
});
