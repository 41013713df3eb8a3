/**
 * Environment -> typed, validated, frozen Config: the one entry point, loadConfig. The only module
 * that reads process.env (and only through its argument). Each topic parses its own variables in
 * its own module with the readers of env-parsers.ts; every error names the variable and the
 * offending value (never a secret).
 */
import type { LevelWithSilent } from 'pino';
import { loadApiKeys, type ApiKeyConfig } from './api-keys-config.js';
import { loadWatchConfig, type WatchConfig } from './watch-config.js';
import { ConfigError } from './config-error.js';
import { loadCorsOrigins } from './cors-config.js';
import { loadDocsConfig, type DocsConfig } from './docs-config.js';
import {
  httpUrl,
  integerFrom,
  NON_NEGATIVE_INT,
  NON_NEGATIVE_MS,
  number,
  oneOf,
  PORT_NUMBER,
  POSITIVE_INT,
  POSITIVE_MS,
  raw,
  type Env,
  type NumberRule,
} from './env-parsers.js';
import { CHAIN_ID } from './networks-config.js';
import { loadProvidersConfig, type NetworkConfig, type ProviderConfig } from './providers-config.js';
import { loadRateLimitConfig, type RateLimitConfig } from './rate-limit-config.js';
import { loadRetryConfig, type RetryConfig } from './retry-config.js';
import { loadSharedCacheConfig, type SharedCacheConfig } from './shared-cache-config.js';

export { ConfigError };
export { PROVIDER_VARIABLES, type NetworkConfig, type ProviderConfig } from './providers-config.js';
export type { ApiKeyConfig } from './api-keys-config.js';
export { rateLimit, type RateLimit } from './rate-limit-config.js';

export type ChecksumMode = 'strict' | 'lenient';

/** Spread in: DOCS and PUBLIC_BASE_URL (docs-config.ts), the RATE_LIMIT_* settings (rate-limit-config.ts). */
export interface Config extends DocsConfig, RateLimitConfig {
  readonly port: number;
  readonly host: string;
  readonly production: boolean;
  /** The default network's providers (without NETWORKS, the one network's). */
  readonly providers: readonly ProviderConfig[];
  /** NETWORKS, the default first; undefined without it (one network, named from its providers' chain id). */
  readonly networks: readonly NetworkConfig[] | undefined;
  /** MAX_HEAD_LAG_BLOCKS and HEAD_MAX_AGE_MS as set; undefined: paced by each chain's block time (chain/head-pace.ts). */
  readonly paceOverrides: { readonly maxHeadLagBlocks: number | undefined; readonly headMaxAgeMs: number | undefined };
  /** Secrets to scrub from any text that leaves the process. */
  readonly secrets: readonly string[];
  /** Chain every provider must be on; undefined: the first chain id seen (development only). */
  readonly expectedChainId: number | undefined;
  readonly cacheTtlSeconds: number;
  readonly cacheMaxEntries: number;
  /** Most addresses one POST /address/balances takes. */
  readonly batchMaxAddresses: number;
  /** Most calls in one upstream JSON-RPC batch (and most balances in one Multicall3 eth_call). */
  readonly upstreamBatchMax: number;
  /** UPSTREAM_MULTICALL=auto: batch reads go through Multicall3 where a provider has it; off: eth_getBalance batches only. */
  readonly upstreamMulticall: 'auto' | 'off';
  readonly upstreamTimeoutMs: number;
  readonly requestDeadlineMs: number;
  readonly maxHeadLagBlocks: number;
  readonly headMaxAgeMs: number;
  /** How often each provider's eth_chainId is checked again (riding along with a head poll). */
  readonly chainCheckIntervalMs: number;
  readonly addressChecksum: ChecksumMode;
  readonly logLevel: LevelWithSilent;
  readonly workers: number;
  readonly shutdownTimeoutMs: number;
  readonly adminPort: number | undefined;
  readonly trustedProxyHops: number;
  /** Empty: no key needed. Otherwise every API request needs one of these in x-api-key. */
  readonly apiKeys: readonly ApiKeyConfig[];
  /** Empty: CORS off. ['*']: any origin. Otherwise exact origins. */
  readonly corsOrigins: readonly string[];
  readonly otelEndpoint: string | undefined;
  /** Share of new traces recorded (requests that carry a sampled traceparent are always kept). */
  readonly traceSampleRatio: number;
  /** VERIFY_PROOFS=on: reads are verified by default (a request's ?verify= overrides). */
  readonly verifyProofs: boolean;
  /** VERIFY_QUORUM; undefined: a majority of the usable providers (1 when there is only one). */
  readonly verifyQuorum: number | undefined;
  /** UNTRUSTED_COOLDOWN_SECONDS in ms: how long a provider caught lying is left out. */
  readonly untrustedCooldownMs: number;
  /** REDIS_URL and friends; undefined (no Redis code on any path) when REDIS_URL is unset. */
  readonly sharedCache: SharedCacheConfig | undefined;
  /** RETRY_MAX_ROUNDS, RETRY_BUDGET_PERCENT (config/retry-config.ts). */
  readonly retry: RetryConfig;
  /** WATCH_* limits of GET /watch (watch-config.ts). */
  readonly watch: WatchConfig;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Defaults, documented in the README's configuration table. */
export const DEFAULTS = {
  PORT: 3000,
  HOST: '0.0.0.0',
  CACHE_TTL_SECONDS: 5,
  CACHE_MAX_ENTRIES: 100_000,
  BATCH_MAX_ADDRESSES: 1000,
  UPSTREAM_BATCH_MAX: 100,
  UPSTREAM_MULTICALL: 'auto',
  UPSTREAM_TIMEOUT_MS: 2000,
  REQUEST_DEADLINE_MS: 3000,
  MAX_HEAD_LAG_BLOCKS: 3,
  HEAD_MAX_AGE_MS: 1000,
  CHAIN_CHECK_INTERVAL_MS: 60_000,
  ADDRESS_CHECKSUM: 'strict',
  LOG_LEVEL: 'info',
  WORKERS: 2,
  SHUTDOWN_TIMEOUT_MS: 20_000,
  TRUSTED_PROXY_HOPS: 0,
  TRACE_SAMPLE_RATIO: 0.1,
  VERIFY_PROOFS: 'off',
  UNTRUSTED_COOLDOWN_SECONDS: 300,
} as const;

const CHAIN_CHECK_INTERVAL: NumberRule = { integer: true, min: 100, what: 'an integer of at least 100 (milliseconds)' };
const NON_NEGATIVE_SECONDS: NumberRule = { min: 0, what: 'a non-negative number (seconds)' };

export function loadConfig(env: Env): Config {
  const production = raw(env, 'NODE_ENV') === 'production';
  const upstream = loadProvidersConfig(env);
  const apiKeys = loadApiKeys(env);
  const sharedCache = loadSharedCacheConfig(env);
  const config: Config = {
    port: number(env, 'PORT', DEFAULTS.PORT, PORT_NUMBER),
    host: raw(env, 'HOST') ?? DEFAULTS.HOST,
    production,
    providers: upstream.providers,
    networks: upstream.networks,
    paceOverrides: Object.freeze({
      maxHeadLagBlocks: number(env, 'MAX_HEAD_LAG_BLOCKS', undefined, NON_NEGATIVE_INT),
      headMaxAgeMs: number(env, 'HEAD_MAX_AGE_MS', undefined, NON_NEGATIVE_MS),
    }),
    secrets: Object.freeze([...upstream.secrets, ...apiKeys.map((k) => k.key), ...(sharedCache?.secrets ?? [])]),
    expectedChainId: upstream.networks?.[0]?.chainId ?? number(env, 'EXPECTED_CHAIN_ID', production ? 1 : undefined, CHAIN_ID),
    cacheTtlSeconds: number(env, 'CACHE_TTL_SECONDS', DEFAULTS.CACHE_TTL_SECONDS, { min: 0, what: 'a non-negative number' }),
    cacheMaxEntries: number(env, 'CACHE_MAX_ENTRIES', DEFAULTS.CACHE_MAX_ENTRIES, POSITIVE_INT),
    batchMaxAddresses: number(env, 'BATCH_MAX_ADDRESSES', DEFAULTS.BATCH_MAX_ADDRESSES, integerFrom(1, 10_000)),
    upstreamBatchMax: number(env, 'UPSTREAM_BATCH_MAX', DEFAULTS.UPSTREAM_BATCH_MAX, integerFrom(1, 1000)),
    upstreamMulticall: oneOf(env, 'UPSTREAM_MULTICALL', ['auto', 'off'], DEFAULTS.UPSTREAM_MULTICALL),
    upstreamTimeoutMs: number(env, 'UPSTREAM_TIMEOUT_MS', DEFAULTS.UPSTREAM_TIMEOUT_MS, POSITIVE_MS),
    requestDeadlineMs: number(env, 'REQUEST_DEADLINE_MS', DEFAULTS.REQUEST_DEADLINE_MS, POSITIVE_MS),
    maxHeadLagBlocks: number(env, 'MAX_HEAD_LAG_BLOCKS', DEFAULTS.MAX_HEAD_LAG_BLOCKS, NON_NEGATIVE_INT),
    headMaxAgeMs: number(env, 'HEAD_MAX_AGE_MS', DEFAULTS.HEAD_MAX_AGE_MS, NON_NEGATIVE_MS),
    chainCheckIntervalMs: number(env, 'CHAIN_CHECK_INTERVAL_MS', DEFAULTS.CHAIN_CHECK_INTERVAL_MS, CHAIN_CHECK_INTERVAL),
    addressChecksum: oneOf(env, 'ADDRESS_CHECKSUM', ['strict', 'lenient'], DEFAULTS.ADDRESS_CHECKSUM),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, DEFAULTS.LOG_LEVEL),
    workers: number(env, 'WORKERS', DEFAULTS.WORKERS, integerFrom(0, 64)),
    shutdownTimeoutMs: number(env, 'SHUTDOWN_TIMEOUT_MS', DEFAULTS.SHUTDOWN_TIMEOUT_MS, NON_NEGATIVE_MS),
    adminPort: number(env, 'ADMIN_PORT', undefined, PORT_NUMBER),
    ...loadRateLimitConfig(env),
    trustedProxyHops: number(env, 'TRUSTED_PROXY_HOPS', DEFAULTS.TRUSTED_PROXY_HOPS, integerFrom(0, 10)),
    apiKeys,
    corsOrigins: loadCorsOrigins(env),
    otelEndpoint: otelEndpoint(env),
    traceSampleRatio: number(env, 'TRACE_SAMPLE_RATIO', DEFAULTS.TRACE_SAMPLE_RATIO, { min: 0, max: 1, what: 'a number from 0 to 1' }),
    verifyProofs: oneOf(env, 'VERIFY_PROOFS', ['off', 'on'], DEFAULTS.VERIFY_PROOFS) === 'on',
    verifyQuorum: number(env, 'VERIFY_QUORUM', undefined, POSITIVE_INT),
    untrustedCooldownMs: number(env, 'UNTRUSTED_COOLDOWN_SECONDS', DEFAULTS.UNTRUSTED_COOLDOWN_SECONDS, NON_NEGATIVE_SECONDS) * 1000,
    sharedCache,
    retry: loadRetryConfig(env),
    watch: loadWatchConfig(env),
    ...loadDocsConfig(env),
  };
  if (config.adminPort !== undefined && config.adminPort !== 0 && config.adminPort === config.port) {
    throw new ConfigError(`ADMIN_PORT must differ from PORT (both are ${config.port})`);
  }
  return Object.freeze(config);
}

function otelEndpoint(env: Env): string | undefined {
  const value = raw(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (value === undefined) return undefined;
  const url = httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', value);
  if (url.search !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError('OTEL_EXPORTER_OTLP_ENDPOINT must be a base URL like "http://collector:4318", without credentials or query');
  }
  return value.replace(/\/+$/, '');
}
