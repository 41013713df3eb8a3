/**
 * The service as a process: config from the environment, the provider rule, start, and a clean
 * exit on SIGTERM. src/main.ts (production, the image's entry) and src/dev/main.ts (`npm start`)
 * both run it; only the latter can supply a local chain, so the production build carries no code
 * that can start one.
 */
import { startApp, type App } from './app.js';
import { rpcUrlsVariable } from './chain/networks.js';
import { ConfigError, loadConfig, PROVIDER_VARIABLES, type Config } from './config/config.js';
import { errorLogFields } from './errors.js';
import { logUwsBuild } from './http/uws.js';
import { createLogger, type Logger } from './observability/logger.js';

/** One network served from a local chain because nothing else serves it (development only). */
export interface LocalNetwork {
  /** Its name under NETWORKS; undefined without NETWORKS (today's devnet). */
  readonly name: string | undefined;
  /** The chain id its chain must have; undefined: anvil's own devnet id. */
  readonly chainId: number | undefined;
  /** The variable that points it at its chain (RPC_URLS_<NAME>, or RPC_URLS without NETWORKS). */
  readonly variable: string;
}

/** Chains served from this machine for the networks no provider serves (development only). */
export interface LocalChains {
  /** The provider variables that point each network at its chain, read by the config like any other. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export type StartLocalChains = (log: Logger, networks: readonly LocalNetwork[]) => Promise<LocalChains>;

export interface RunOptions {
  /** Starts local chains for the networks with no provider outside production (npm start). */
  readonly localChains?: StartLocalChains;
}

/** The networks no provider serves: without NETWORKS the one network when it has none. */
export function unservedNetworks(config: Config): LocalNetwork[] {
  if (config.networks === undefined) {
    return config.providers.length > 0 ? [] : [{ name: undefined, chainId: undefined, variable: 'RPC_URLS' }];
  }
  return config.networks
    .filter((network) => network.providers.length === 0)
    .map((network) => ({ name: network.name, chainId: network.chainId, variable: rpcUrlsVariable(network.name) }));
}

/**
 * The one place the provider rule lives: production needs a configured provider; development
 * without one gets the local chain when the entry point has one to offer, and is refused otherwise.
 */
export function missingProvider(config: Config, canServeLocally: boolean): string | undefined {
  const networks = config.networks ?? [];
  const bare = networks.find((n) => n.providers.length === 0);
  if (config.providers.length > 0 && bare === undefined) return undefined;
  const set = (bare?.variables ?? PROVIDER_VARIABLES).join(', ');
  const which = bare === undefined || networks.length === 1 ? '' : ` for network ${bare.name}`;
  if (config.production) return `NODE_ENV=production needs an upstream provider${which}: set one of ${set}`;
  if (!canServeLocally) return `no upstream provider${which}: set one of ${set} (npm start serves a local devnet instead)`;
  return undefined;
}

/**
 * The config with a local chain behind every network no provider serves, read again with their
 * provider variables set, so each network's providers come from the config as in production.
 */
export async function serveLocally(
  env: Readonly<Record<string, string | undefined>>,
  config: Config,
  start: (networks: readonly LocalNetwork[]) => Promise<LocalChains>,
): Promise<{ config: Config; local: LocalChains | undefined }> {
  const unserved = unservedNetworks(config);
  if (unserved.length === 0) return { config, local: undefined };
  const local = await start(unserved);
  try {
    return { config: loadConfig({ ...env, ...local.env }), local };
  } catch (error) {
    await local.stop();
    throw error;
  }
}

export async function runService(env: Readonly<Record<string, string | undefined>>, options: RunOptions = {}): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`configuration error: ${error.message}\n`);
    process.exit(1);
  }

  const log = createLogger(config.logLevel);
  logUwsBuild(log);

  const missing = missingProvider(config, options.localChains !== undefined);
  if (missing !== undefined) {
    log.fatal({ set: PROVIDER_VARIABLES }, missing);
    process.exit(1);
  }
  let local: LocalChains | undefined;
  let app: App | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // A signal while starting has nothing to drain yet, but the local chains must still go (any
    // still starting are reaped by process.exit).
    (app?.shutdown() ?? Promise.resolve({ drained: true }))
      .then(async ({ drained }) => {
        await local?.stop();
        log.info({ drained }, 'stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        log.error(errorLogFields(error), 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  if (options.localChains !== undefined) {
    const start = options.localChains;
    ({ config, local } = await serveLocally(env, config, (networks) => start(log, networks)));
  }
  app = await startApp(config, log).catch(async (error: unknown) => {
    log.fatal(errorLogFields(error), 'failed to start');
    await local?.stop();
    process.exit(1);
  });
}
