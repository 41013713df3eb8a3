/**
 * Environment -> typed, validated, frozen Config. The only module that reads process.env (and only
 * through its argument). Every error names the variable and the offending value.
 */
import type { LevelWithSilent } from 'pino';
import { loadSharedCacheConfig, type SharedCacheConfig } from './shared-cache-config.js';
import { loadDocsConfig, type DocsConfig } from './docs-config.js';
import { ConfigError } from './config-error.js';
import { networkSelections, singleNetworkSources, type ProviderSources } from './networks-config.js';

export { ConfigError };

export interface ProviderConfig {
  /** Operator-facing name; never contains a secret. */
  readonly name: string;
  readonly url: string;
  /** Extra request headers (basic auth for Infura's project secret). */
  readonly headers: Readonly<Record<string, string>>;
}

/** One network of NETWORKS with its providers. */
export interface NetworkConfig {
  readonly name: string;
  readonly chainId: number;
  readonly providers: readonly ProviderConfig[];
  /** The variables its providers come from (what a start without any names). */
  readonly variables: readonly string[];
}

export type ChecksumMode = 'strict' | 'lenient';

/** One API key from API_KEYS. The key itself goes nowhere but the lookup table. */
export interface ApiKeyConfig {
  /** Operator-facing name (logs, metrics); never the key. */
  readonly name: string;
  readonly key: string;
  /** Requests per second for this key; undefined: RATE_LIMIT_RPS applies per key (or no limit). */
  readonly rps: number | undefined;
  readonly burst: number | undefined;
}

/** DOCS and PUBLIC_BASE_URL (docs-config.ts). */
export interface Config extends DocsConfig {
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
  readonly rateLimitRps: number | undefined;
  readonly rateLimitBurst: number | undefined;
  /** Most clients the limiter remembers at once (bounds its memory). */
  readonly rateLimitMaxClients: number;
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
}

type Env = Readonly<Record<string, string | undefined>>;

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
  RATE_LIMIT_MAX_CLIENTS: 100_000,
  TRACE_SAMPLE_RATIO: 0.1,
  VERIFY_PROOFS: 'off',
  UNTRUSTED_COOLDOWN_SECONDS: 300,
} as const;

/** A token-bucket limit: `rps` refill, `burst` bucket size. */
export interface RateLimit {
  readonly rps: number;
  readonly burst: number;
}

/** The burst when none is given (RATE_LIMIT_BURST, an API key's own): the rate, rounded up. */
export function defaultBurst(rps: number): number {
  return Math.max(1, Math.ceil(rps));
}

/** The limit a rate and an optional burst make; undefined without a rate. */
export function rateLimit(rps: number | undefined, burst: number | undefined): RateLimit | undefined {
  return rps === undefined ? undefined : { rps, burst: burst ?? defaultBurst(rps) };
}

/** Shared validation rules; each names what the variable must be in its error. */
const POSITIVE_INT = { integer: true, min: 1, what: 'a positive integer' };
const POSITIVE_MS = { integer: true, min: 1, what: 'a positive integer (milliseconds)' };
const NON_NEGATIVE_INT = { integer: true, min: 0, what: 'a non-negative integer' };
const NON_NEGATIVE_MS = { integer: true, min: 0, what: 'a non-negative integer (milliseconds)' };

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function number(
  env: Env,
  name: string,
  fallback: number | undefined,
  rule: { integer?: boolean; min?: number; max?: number; what: string },
): number | undefined {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  const ok =
    /^-?\d+(\.\d+)?$/.test(value) &&
    Number.isFinite(parsed) &&
    (!rule.integer || Number.isInteger(parsed)) &&
    (rule.min === undefined || parsed >= rule.min) &&
    (rule.max === undefined || parsed <= rule.max);
  if (!ok) throw new ConfigError(`${name} must be ${rule.what}, got "${value}"`);
  return parsed;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase() as T;
  if (!allowed.includes(lower)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return lower;
}

function list(env: Env, name: string): string[] {
  return (raw(env, name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function httpUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value may hold a key: say what is wrong without echoing it.
    throw new ConfigError(`${name} must be an http(s) URL, got a value that does not parse as a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL, got protocol "${url.protocol}"`);
  }
  return url;
}

function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${decodeURIComponent(user)}:${decodeURIComponent(password)}`).toString('base64')}`;
}

/** Moves URL credentials into a header: undici does not send userinfo by itself. */
function provider(name: string, variable: string, value: string, headers: Record<string, string> = {}): ProviderConfig {
  const url = httpUrl(variable, value);
  const all = { ...headers };
  if (url.username !== '' || url.password !== '') {
    all.authorization = basicAuth(url.username, url.password);
    url.username = '';
    url.password = '';
  }
  return Object.freeze({ name, url: url.toString(), headers: Object.freeze(all) });
}

/** Infura's project ids and secret, read once for every network (their secrets collected). */
function infuraFrom(env: Env, secrets: string[]): { ids: string[]; headers: Record<string, string> } {
  const projectSecret = raw(env, 'INFURA_PROJECT_SECRET');
  if (projectSecret !== undefined) secrets.push(projectSecret);
  const headers: Record<string, string> = projectSecret === undefined ? {} : { authorization: basicAuth('', projectSecret) };
  const ids = [...list(env, 'INFURA_PROJECT_ID'), ...list(env, 'INFURA_PROJECT_IDS')];
  ids.forEach((id, i) => {
    if (!/^[A-Za-z0-9]+$/.test(id)) {
      throw new ConfigError(`INFURA_PROJECT_ID${ids.length > 1 ? 'S' : ''} entry ${i + 1} must be alphanumeric`);
    }
    secrets.push(id);
  });
  return { ids, headers };
}

/** One network's providers: Infura first, then INFURA_URL, then each RPC URL list. */
function providersFrom(env: Env, sources: ProviderSources, infura: { ids: string[]; headers: Record<string, string> }, secrets: string[]): ProviderConfig[] {
  const providers: ProviderConfig[] = [];
  const names = new Set<string>();
  const add = (p: ProviderConfig) => {
    let name = p.name;
    for (let i = 2; names.has(name); i++) name = `${p.name}-${i}`;
    names.add(name);
    providers.push(name === p.name ? p : Object.freeze({ ...p, name }));
  };

  const subdomain = sources.infura;
  if (subdomain !== undefined) {
    infura.ids.forEach((id, i) => {
      add(provider(`infura-${i + 1}`, 'INFURA_PROJECT_ID', `https://${subdomain}.infura.io/v3/${id}`, infura.headers));
    });
  }

  const infuraUrl = sources.isDefault ? raw(env, 'INFURA_URL') : undefined;
  if (infuraUrl !== undefined) {
    collectUrlSecrets(infuraUrl, secrets);
    add(provider('infura-url', 'INFURA_URL', infuraUrl, infura.headers));
  }

  let n = 0;
  const lists: [string, string[]][] = sources.rpcVariables.map((variable) => [variable, list(env, variable)]);
  if (sources.isDefault) lists.unshift(['RPC_URLS', list(env, 'RPC_URLS')]);
  for (const [variable, entries] of lists) {
    entries.forEach((entry, i) => {
      n++;
      const eq = entry.indexOf('=');
      const named = eq > 0 && !entry.slice(0, eq).includes('://');
      const name = named ? entry.slice(0, eq).trim() : `rpc-${n}`;
      const url = named ? entry.slice(eq + 1).trim() : entry;
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
        throw new ConfigError(`${variable} entry ${i + 1} has an invalid name "${name}" (letters, digits, . _ -)`);
      }
      collectUrlSecrets(url, secrets);
      add(provider(name, `${variable} entry ${i + 1}`, url));
    });
  }
  return providers;
}

/**
 * Every network's providers. Without NETWORKS, `networks` is undefined and `providers` are the one
 * network's; with it, `providers` are the default network's (networks[0]).
 */
function networksFrom(env: Env): { providers: ProviderConfig[]; networks: NetworkConfig[] | undefined; secrets: string[] } {
  const secrets: string[] = [];
  const selections = networkSelections(env);
  if (selections === undefined) {
    const sources = singleNetworkSources(env);
    return { providers: providersFrom(env, sources, infuraFrom(env, secrets), secrets), networks: undefined, secrets };
  }
  const infura = infuraFrom(env, secrets);
  const networks = selections.map((s) =>
    Object.freeze({
      name: s.name,
      chainId: s.chainId,
      providers: Object.freeze(providersFrom(env, s, infura, secrets)),
      variables: Object.freeze([
        ...(s.isDefault ? ['RPC_URLS'] : []),
        ...s.rpcVariables,
        ...(s.infura === undefined ? [] : ['INFURA_PROJECT_ID']),
        ...(s.isDefault ? ['INFURA_URL'] : []),
      ]),
    }),
  );
  return { providers: [...networks[0]!.providers], networks, secrets };
}

function collectUrlSecrets(value: string, secrets: string[]): void {
  try {
    const url = new URL(value);
    if (url.password !== '') secrets.push(decodeURIComponent(url.password));
    if (url.username !== '') secrets.push(decodeURIComponent(url.username));
    for (const segment of url.pathname.split('/')) if (segment.length >= 16) secrets.push(segment);
    for (const v of url.searchParams.values()) if (v.length >= 8) secrets.push(v);
  } catch {
    // httpUrl reports it.
  }
}

const API_KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const API_KEY = /^[A-Za-z0-9._~+/=-]{16,256}$/;

/** API_KEYS: comma-separated `key` or `name:key` or `name:key:rps` or `name:key:rps:burst`. */
function apiKeysFrom(env: Env, secrets: string[]): ApiKeyConfig[] {
  const names = new Set<string>();
  const keys = new Set<string>();
  return list(env, 'API_KEYS').map((entry, i) => {
    const where = `API_KEYS entry ${i + 1}`;
    const parts = entry.split(':').map((part) => part.trim());
    if (parts.length > 4) throw new ConfigError(`${where} must be key, name:key, name:key:rps or name:key:rps:burst`);
    const [name, key] = parts.length === 1 ? [`key-${i + 1}`, parts[0]!] : [parts[0]!, parts[1]!];
    // Never echo the key: the message ends up in logs.
    if (!API_KEY.test(key)) throw new ConfigError(`${where} must have a key of 16-256 characters from A-Z a-z 0-9 . _ ~ + / = -`);
    if (!API_KEY_NAME.test(name)) throw new ConfigError(`${where} has an invalid name "${name}" (letters, digits, . _ -)`);
    if (names.has(name)) throw new ConfigError(`${where} repeats the name "${name}"`);
    if (keys.has(key)) throw new ConfigError(`${where} repeats a key given earlier`);
    names.add(name);
    keys.add(key);
    secrets.push(key);
    const scoped = { [`${where} rps`]: parts[2], [`${where} burst`]: parts[3] };
    const rps = number(scoped, `${where} rps`, undefined, { min: 0.001, what: 'a positive number' });
    const burst = number(scoped, `${where} burst`, rps === undefined ? undefined : defaultBurst(rps), POSITIVE_INT);
    return Object.freeze({ name, key, rps, burst });
  });
}

function corsOriginsFrom(env: Env): string[] {
  const origins = list(env, 'CORS_ORIGINS');
  if (origins.includes('*')) {
    if (origins.length > 1) throw new ConfigError('CORS_ORIGINS must be "*" alone or a list of origins, not both');
    return origins;
  }
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      throw new ConfigError(`CORS_ORIGINS entries must be origins like "https://app.example.com" (no path), got "${origin}"`);
    }
  }
  return origins;
}

export function loadConfig(env: Env): Config {
  const production = raw(env, 'NODE_ENV') === 'production';
  const { providers, networks, secrets } = networksFrom(env);
  const apiKeys = apiKeysFrom(env, secrets);
  const expectedChainId = networks?.[0]?.chainId ?? number(env, 'EXPECTED_CHAIN_ID', production ? 1 : undefined, {
    integer: true,
    min: 1,
    what: 'a positive integer chain id',
  });
  const rateLimitRps = number(env, 'RATE_LIMIT_RPS', undefined, { min: 0.001, what: 'a positive number' });
  const sharedCache = loadSharedCacheConfig(env);
  const config: Config = {
    port: number(env, 'PORT', DEFAULTS.PORT, { integer: true, min: 0, max: 65535, what: 'a port number (0-65535)' })!,
    host: raw(env, 'HOST') ?? DEFAULTS.HOST,
    production,
    providers: Object.freeze(providers),
    networks: networks === undefined ? undefined : Object.freeze(networks),
    paceOverrides: Object.freeze({
      maxHeadLagBlocks: raw(env, 'MAX_HEAD_LAG_BLOCKS') === undefined ? undefined : number(env, 'MAX_HEAD_LAG_BLOCKS', undefined, NON_NEGATIVE_INT),
      headMaxAgeMs: raw(env, 'HEAD_MAX_AGE_MS') === undefined ? undefined : number(env, 'HEAD_MAX_AGE_MS', undefined, NON_NEGATIVE_MS),
    }),
    secrets: Object.freeze([...secrets, ...(sharedCache?.secrets ?? [])]),
    expectedChainId,
    cacheTtlSeconds: number(env, 'CACHE_TTL_SECONDS', DEFAULTS.CACHE_TTL_SECONDS, {
      min: 0,
      what: 'a non-negative number',
    })!,
    cacheMaxEntries: number(env, 'CACHE_MAX_ENTRIES', DEFAULTS.CACHE_MAX_ENTRIES, POSITIVE_INT)!,
    batchMaxAddresses: number(env, 'BATCH_MAX_ADDRESSES', DEFAULTS.BATCH_MAX_ADDRESSES, { integer: true, min: 1, max: 10_000, what: 'an integer from 1 to 10000' })!,
    upstreamBatchMax: number(env, 'UPSTREAM_BATCH_MAX', DEFAULTS.UPSTREAM_BATCH_MAX, { integer: true, min: 1, max: 1000, what: 'an integer from 1 to 1000' })!,
    upstreamMulticall: oneOf(env, 'UPSTREAM_MULTICALL', ['auto', 'off'], DEFAULTS.UPSTREAM_MULTICALL),
    upstreamTimeoutMs: number(env, 'UPSTREAM_TIMEOUT_MS', DEFAULTS.UPSTREAM_TIMEOUT_MS, POSITIVE_MS)!,
    requestDeadlineMs: number(env, 'REQUEST_DEADLINE_MS', DEFAULTS.REQUEST_DEADLINE_MS, POSITIVE_MS)!,
    maxHeadLagBlocks: number(env, 'MAX_HEAD_LAG_BLOCKS', DEFAULTS.MAX_HEAD_LAG_BLOCKS, NON_NEGATIVE_INT)!,
    headMaxAgeMs: number(env, 'HEAD_MAX_AGE_MS', DEFAULTS.HEAD_MAX_AGE_MS, NON_NEGATIVE_MS)!,
    chainCheckIntervalMs: number(env, 'CHAIN_CHECK_INTERVAL_MS', DEFAULTS.CHAIN_CHECK_INTERVAL_MS, {
      integer: true,
      min: 100,
      what: 'an integer of at least 100 (milliseconds)',
    })!,
    addressChecksum: oneOf(env, 'ADDRESS_CHECKSUM', ['strict', 'lenient'], DEFAULTS.ADDRESS_CHECKSUM),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, DEFAULTS.LOG_LEVEL),
    workers: number(env, 'WORKERS', DEFAULTS.WORKERS, { integer: true, min: 0, max: 64, what: 'an integer from 0 to 64' })!,
    shutdownTimeoutMs: number(env, 'SHUTDOWN_TIMEOUT_MS', DEFAULTS.SHUTDOWN_TIMEOUT_MS, NON_NEGATIVE_MS)!,
    adminPort: number(env, 'ADMIN_PORT', undefined, { integer: true, min: 0, max: 65535, what: 'a port number (0-65535)' }),
    rateLimitRps,
    rateLimitBurst: number(env, 'RATE_LIMIT_BURST', rateLimitRps === undefined ? undefined : defaultBurst(rateLimitRps), POSITIVE_INT),
    trustedProxyHops: number(env, 'TRUSTED_PROXY_HOPS', DEFAULTS.TRUSTED_PROXY_HOPS, {
      integer: true,
      min: 0,
      max: 10,
      what: 'an integer from 0 to 10',
    })!,
    rateLimitMaxClients: number(env, 'RATE_LIMIT_MAX_CLIENTS', DEFAULTS.RATE_LIMIT_MAX_CLIENTS, {
      integer: true,
      min: 1,
      max: 10_000_000,
      what: 'an integer from 1 to 10000000',
    })!,
    apiKeys: Object.freeze(apiKeys),
    corsOrigins: Object.freeze(corsOriginsFrom(env)),
    otelEndpoint: otelEndpoint(env),
    traceSampleRatio: number(env, 'TRACE_SAMPLE_RATIO', DEFAULTS.TRACE_SAMPLE_RATIO, {
      min: 0,
      max: 1,
      what: 'a number from 0 to 1',
    })!,
    verifyProofs: oneOf(env, 'VERIFY_PROOFS', ['off', 'on'], DEFAULTS.VERIFY_PROOFS) === 'on',
    verifyQuorum: number(env, 'VERIFY_QUORUM', undefined, POSITIVE_INT),
    untrustedCooldownMs:
      number(env, 'UNTRUSTED_COOLDOWN_SECONDS', DEFAULTS.UNTRUSTED_COOLDOWN_SECONDS, { min: 0, what: 'a non-negative number (seconds)' })! * 1000,
    sharedCache,
    ...loadDocsConfig(env),
  };
  if (config.rateLimitBurst !== undefined && config.rateLimitRps === undefined) {
    throw new ConfigError('RATE_LIMIT_BURST needs RATE_LIMIT_RPS (the refill rate)');
  }
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

/** The variables an operator must set in production when no provider is configured. */
export const PROVIDER_VARIABLES = ['RPC_URLS', 'INFURA_PROJECT_ID', 'INFURA_PROJECT_IDS', 'INFURA_URL'] as const;
