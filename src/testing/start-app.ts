/** Starts the real app in-process on an ephemeral port, configured as from the environment. */
import { startApp, type App } from '../app.js';
import { loadConfig } from '../config/config.js';
import { startLocalChain } from '../dev/local-chain.js';
import { createLogger } from '../observability/logger.js';
import { withProvider } from '../run-service.js';

export interface TestApp extends App {
  readonly baseUrl: string;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
}

/** Without a provider in `env`, serves a seeded local anvil as `npm start` does (stopped on shutdown). */
export async function startTestApp(env: Record<string, string>): Promise<TestApp> {
  let config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
  const log = createLogger(config.logLevel);
  const local = config.providers.length === 0 ? await startLocalChain(log) : undefined;
  if (local !== undefined) config = withProvider(config, local.provider);
  const app = await startApp(config, log).catch(async (error: unknown) => {
    await local?.stop();
    throw error;
  });
  const baseUrl = `http://127.0.0.1:${app.port}`;
  return Object.assign(Object.create(app) as App, app, {
    shutdown: async () => {
      const result = await app.shutdown();
      await local?.stop();
      return result;
    },
    baseUrl,
    get: async (path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(baseUrl + path, { headers });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep text
      }
      return { status: res.status, headers: res.headers, body };
    },
  });
}
