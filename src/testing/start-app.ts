/** Starts the real app in-process on an ephemeral port, configured as from the environment. */
import { startApp, type App } from '../app.js';
import { loadConfig } from '../config/config.js';
import { startLocalChains } from '../dev/local-chain.js';
import { createLogger } from '../observability/logger.js';
import { serveLocally } from '../run-service.js';

export interface TestApp extends App {
  readonly baseUrl: string;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
}

/** Networks without a provider in `env` get a seeded local anvil each, as `npm start` does (stopped on shutdown). */
export async function startTestApp(env: Record<string, string>): Promise<TestApp> {
  const full = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env };
  const log = createLogger(loadConfig(full).logLevel);
  const { config, local } = await serveLocally(full, loadConfig(full), (networks) => startLocalChains(log, networks));
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
