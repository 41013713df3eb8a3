import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './config.js';
import { loadSharedCacheConfig, redactRedisUrl } from './shared-cache-config.js';

describe('loadSharedCacheConfig', () => {
  it('is off when REDIS_URL is unset or empty', () => {
    assert.equal(loadSharedCacheConfig({}), undefined);
    assert.equal(loadSharedCacheConfig({ REDIS_URL: '  ' }), undefined);
  });

  it('reads a plain URL with the defaults', () => {
    assert.deepEqual(loadSharedCacheConfig({ REDIS_URL: 'redis://cache.internal:6380' }), {
      host: 'cache.internal',
      port: 6380,
      tls: false,
      username: undefined,
      password: undefined,
      db: 0,
      redactedUrl: 'redis://cache.internal:6380',
      secrets: [],
      keyPrefix: 'balance-api:',
      timeoutMs: 50,
      ttlSeconds: 60,
    });
  });

  it('reads rediss:// with user, password (URL-encoded), database and the tuning variables', () => {
    const config = loadSharedCacheConfig({
      REDIS_URL: 'rediss://app:s3cr%40t-token@master.cache.amazonaws.com:6379/2',
      REDIS_KEY_PREFIX: 'green:',
      REDIS_TIMEOUT_MS: '25',
      SHARED_CACHE_TTL_SECONDS: '300',
    });
    assert.deepEqual(config, {
      host: 'master.cache.amazonaws.com',
      port: 6379,
      tls: true,
      username: 'app',
      password: 's3cr@t-token',
      db: 2,
      redactedUrl: 'rediss://***@master.cache.amazonaws.com:6379/2',
      secrets: ['s3cr@t-token', 's3cr%40t-token'],
      keyPrefix: 'green:',
      timeoutMs: 25,
      ttlSeconds: 300,
    });
  });

  it('reads a password-only AUTH token (ElastiCache AUTH)', () => {
    const config = loadSharedCacheConfig({ REDIS_URL: 'rediss://:tokentokentoken1234@h:6379' })!;
    assert.equal(config.username, undefined);
    assert.equal(config.password, 'tokentokentoken1234');
    assert.equal(config.redactedUrl, 'rediss://***@h:6379');
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['another scheme', { REDIS_URL: 'http://:pw@h:6379' }, /^REDIS_URL must start with redis:\/\/ or rediss:\/\/, got http:\/\/\*\*\*@h:6379$/],
    ['not a URL', { REDIS_URL: 'cache:6379' }, /^REDIS_URL must start with redis:\/\//],
    ['a database that is not a number', { REDIS_URL: 'redis://:hunter22@h:6379/abc' }, /^REDIS_URL database must be a number 0-99, got redis:\/\/\*\*\*@h:6379\/abc$/],
    ['a query string', { REDIS_URL: 'redis://h:6379?password=x' }, /^REDIS_URL takes no query or fragment/],
    ['a zero timeout', { REDIS_URL: 'redis://h', REDIS_TIMEOUT_MS: '0' }, /^REDIS_TIMEOUT_MS must be a positive integer, got "0"$/],
    ['a fractional TTL', { REDIS_URL: 'redis://h', SHARED_CACHE_TTL_SECONDS: '1.5' }, /^SHARED_CACHE_TTL_SECONDS must be a positive integer, got "1.5"$/],
    ['a prefix with a brace', { REDIS_URL: 'redis://h', REDIS_KEY_PREFIX: 'a{b' }, /^REDIS_KEY_PREFIX must be/],
  ];
  for (const [name, env, message] of bad) {
    it(`refuses ${name}, naming the variable and never the password`, () => {
      assert.throws(() => loadSharedCacheConfig(env), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, message);
        assert.doesNotMatch(error.message, /hunter22|:pw@/);
        return true;
      });
    });
  }
});

describe('redactRedisUrl', () => {
  const table: [string, string][] = [
    ['redis://h:6379', 'redis://h:6379'],
    ['redis://user:pass@h:6379/1', 'redis://***@h:6379/1'],
    ['rediss://:token@h', 'rediss://***@h'],
    ['not a url', '[invalid url]'],
  ];
  for (const [raw, expected] of table) it(`${expected}`, () => assert.equal(redactRedisUrl(raw), expected));
});
