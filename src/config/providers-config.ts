/**
 * Upstream providers of every network (RPC_URLS, RPC_URLS_<NAME>, INFURA_*), with the secrets
 * their values hold collected for redaction. networks-config.ts says which variables each network
 * reads; this module turns them into providers.
 */
import { ConfigError } from './config-error.js';
import { httpUrl, list, raw, type Env } from './env-parsers.js';
import { networkSelections, singleNetworkSources, type ProviderSources } from './networks-config.js';

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

export interface ProvidersConfig {
  /** The default network's providers (without NETWORKS, the one network's). */
  readonly providers: readonly ProviderConfig[];
  /** NETWORKS, the default first; undefined without it. */
  readonly networks: readonly NetworkConfig[] | undefined;
  /** Keys, project ids and credentials found in the values above. */
  readonly secrets: readonly string[];
}

/** The variables an operator must set in production when no provider is configured. */
export const PROVIDER_VARIABLES = ['RPC_URLS', 'INFURA_PROJECT_ID', 'INFURA_PROJECT_IDS', 'INFURA_URL'] as const;

interface Infura {
  readonly ids: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Every network's providers. Without NETWORKS, `networks` is undefined and `providers` are the one
 * network's; with it, `providers` are the default network's (networks[0]).
 */
export function loadProvidersConfig(env: Env): ProvidersConfig {
  const secrets: string[] = [];
  const selections = networkSelections(env);
  if (selections === undefined) {
    const providers = providersFrom(env, singleNetworkSources(env), infuraFrom(env, secrets), secrets);
    return Object.freeze({ providers: Object.freeze(providers), networks: undefined, secrets: Object.freeze(secrets) });
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
  return Object.freeze({
    providers: Object.freeze([...networks[0]!.providers]),
    networks: Object.freeze(networks),
    secrets: Object.freeze(secrets),
  });
}

/** Infura's project ids and secret, read once for every network (their secrets collected). */
function infuraFrom(env: Env, secrets: string[]): Infura {
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
function providersFrom(env: Env, sources: ProviderSources, infura: Infura, secrets: string[]): ProviderConfig[] {
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

function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${decodeURIComponent(user)}:${decodeURIComponent(password)}`).toString('base64')}`;
}

/** Moves URL credentials into a header: undici does not send userinfo by itself. */
function provider(name: string, variable: string, value: string, headers: Readonly<Record<string, string>> = {}): ProviderConfig {
  const url = httpUrl(variable, value);
  const all = { ...headers };
  if (url.username !== '' || url.password !== '') {
    all.authorization = basicAuth(url.username, url.password);
    url.username = '';
    url.password = '';
  }
  return Object.freeze({ name, url: url.toString(), headers: Object.freeze(all) });
}

/** Whatever in a provider URL may be a key: credentials, long path segments, query values. */
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
