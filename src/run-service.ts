/**
 * The service as a process: config from the environment, the provider rule, start, and a clean
 * exit on SIGTERM. src/main.ts (production, the image's entry) and src/dev/main.ts (`npm start`)
 * both run it; only the latter can supply a local chain, so the production build carries no code
 * that can start one.
 */
import { startApp } from './app.js';
import { ConfigError, loadConfig, PROVIDER_VARIABLES, type Config, type ProviderConfig } from './config/config.js';
import { errorLogFields } from './errors.js';
import { logUwsBuild } from './http/uws.js';
import { createLogger, type Logger } from './observability/logger.js';

/** A chain served from this machine when no provider is configured (development only). */
export interface LocalChain {
  readonly provider: ProviderConfig;
  stop(): Promise<void>;
}

export interface RunOptions {
  /** Starts a local chain when no provider is configured outside production (npm start). */
  /** `chainId`: the network NETWORKS names (undefined: anvil's own devnet id). */
  readonly localChain?: (log: Logger, chainId: number | undefined) => Promise<LocalChain>;
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

/** `config` with `provider` as the default network's only provider. */
export function withProvider(config: Config, provider: ProviderConfig): Config {
  const providers = Object.freeze([provider]);
  const networks = config.networks?.map((n, i) => (i === 0 ? Object.freeze({ ...n, providers }) : n));
  return Object.freeze({ ...config, providers, networks: networks === undefined ? undefined : Object.freeze(networks) });
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

  const missing = missingProvider(config, options.localChain !== undefined);
  if (missing !== undefined) {
    log.fatal({ set: PROVIDER_VARIABLES }, missing);
    process.exit(1);
  }
  let local: LocalChain | undefined;
  if (config.providers.length === 0 && options.localChain !== undefined) {
    local = await options.localChain(log, config.networks?.[0]?.chainId);
    config = withProvider(config, local.provider);
  }

  const app = await startApp(config, log).catch(async (error: unknown) => {
    log.fatal(errorLogFields(error), 'failed to start');
    await local?.stop();
    process.exit(1);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    app
      .shutdown()
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
}
