/** Composition root: config from the environment, start, and a clean exit on SIGTERM. */
import { startApp } from './app.js';
import { ConfigError, loadConfig, PROVIDER_VARIABLES, type Config } from './config/config.js';
import { errorLogFields } from './errors.js';
import { logUwsBuild } from './http/uws.js';
import { createLogger } from './observability/logger.js';

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`configuration error: ${error.message}\n`);
  process.exit(1);
}

const log = createLogger(config.logLevel);
logUwsBuild(log);

if (config.production && config.providers.length === 0) {
  log.fatal(
    { set: PROVIDER_VARIABLES },
    `NODE_ENV=production needs an upstream provider: set one of ${PROVIDER_VARIABLES.join(', ')}`,
  );
  process.exit(1);
}

const app = await startApp(config, log).catch((error: unknown) => {
  log.fatal(errorLogFields(error), 'failed to start');
  process.exit(1);
});

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  app.shutdown().then(
    ({ drained }) => {
      log.info({ drained }, 'stopped');
      process.exit(0);
    },
    (error: unknown) => {
      log.error({ err: String(error) }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
