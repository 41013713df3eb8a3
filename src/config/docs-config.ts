/**
 * DOCS and PUBLIC_BASE_URL -> the settings of the page for people (/docs) and of the problem type
 * URIs. Pure: reads only its argument; loadConfig spreads the result into Config.
 */
import { ConfigError } from './config-error.js';
import { oneOf, raw, type Env } from './env-parsers.js';

export interface DocsConfig {
  /** DOCS=on (default): GET /docs serves the API reference; off: /docs is 404. */
  readonly docs: boolean;
  /**
   * PUBLIC_BASE_URL without a trailing slash (https://balance.example.com): problem `type` URIs and
   * the OpenAPI `servers` entry are absolute under it. Undefined: relative (`/problems/...`, `/`).
   */
  readonly publicBaseUrl: string | undefined;
}

export function loadDocsConfig(env: Env): DocsConfig {
  return { docs: oneOf(env, 'DOCS', ['on', 'off'], 'on') === 'on', publicBaseUrl: publicBaseUrl(raw(env, 'PUBLIC_BASE_URL')) };
}

function publicBaseUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const rule = 'PUBLIC_BASE_URL must be the http(s) URL clients reach the service at, like "https://balance.example.com" (no credentials, query or fragment)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${rule}, got "${value.slice(0, 200)}"`);
  }
  const plain = (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  if (!plain || value.includes('?') || value.includes('#')) throw new ConfigError(`${rule}, got "${value.slice(0, 200)}"`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
