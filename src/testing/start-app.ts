/** Starts the real app in-process on an ephemeral port, configured as from the environment. */
import { startApp, type App } from '../app.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../observability/logger.js';

export interface TestApp extends App {
  readonly baseUrl: string;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
}

export async function startTestApp(env: Record<string, string>): Promise<TestApp> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
  const app = await startApp(config, createLogger(config.logLevel));
  const baseUrl = `http://127.0.0.1:${app.port}`;
  return Object.assign(Object.create(app) as App, app, {
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
