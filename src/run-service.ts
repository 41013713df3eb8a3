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
  // One router per network is not wired yet: refuse rather than answer every network from the default one.
  if (networks.length > 1) return `NETWORKS lists ${networks.length} networks; this build serves one: list only ${networks[0]!.name}`;
  if (config.providers.length > 0) return undefined;
  const set = (networks[0]?.variables ?? PROVIDER_VARIABLES).join(', ');
  if (config.production) return `NODE_ENV=production needs an upstream provider: set one of ${set}`;
  if (!canServeLocally) return `no upstream provider: set one of ${set} (npm start serves a local devnet instead)`;
  return undefined;
}

export function withProvider(config: Config, provider: ProviderConfig): Config {
  return Object.freeze({ ...config, providers: Object.freeze([provider]) });
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
