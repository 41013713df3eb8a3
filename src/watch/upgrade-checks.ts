/**
 * What a GET /watch upgrade must pass, as pure functions of the request's headers: the origin
 * (CORS_ORIGINS), and where its API key is. Browsers cannot set headers on a WebSocket, and a key
 * in the URL ends up in access logs, so a browser offers it as a subprotocol next to ours:
 * `new WebSocket(url, ['balance-api', 'api-key.' + key])` (base64url-encode a key that has `+`,
 * `/` or `=`, which subprotocol names cannot carry). The server answers with `balance-api` only,
 * so the key is never echoed.
 */

/** The subprotocol the server answers with when a client offers it. */
export const WATCH_PROTOCOL = 'balance-api';
const KEY_PREFIX = 'api-key.';

/** Whether an upgrade from `origin` ('' when none was sent: not a browser) may proceed. */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0 || origin === '' || allowed.includes('*')) return true;
  return allowed.includes(origin);
}

export interface OfferedProtocols {
  /** Keys to try, in order: the x-api-key header, then the subprotocol's value as sent and decoded. */
  readonly keys: readonly string[];
  /** What to answer in Sec-WebSocket-Protocol ('' when the client offered no protocol we speak). */
  readonly answer: string;
}

export function offeredProtocols(header: string, protocols: string): OfferedProtocols {
  const offered = protocols === '' ? [] : protocols.split(',').map((p) => p.trim());
  const keys = header === '' ? [] : [header];
  for (const p of offered) {
    if (!p.startsWith(KEY_PREFIX)) continue;
    const value = p.slice(KEY_PREFIX.length);
    keys.push(value);
    const decoded = base64url(value);
    if (decoded !== undefined && decoded !== value) keys.push(decoded);
  }
  return { keys, answer: offered.includes(WATCH_PROTOCOL) ? WATCH_PROTOCOL : '' };
}

function base64url(value: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,344}$/.test(value)) return undefined;
  const text = Buffer.from(value, 'base64url').toString('utf8');
  return /^[A-Za-z0-9._~+/=-]{16,256}$/.test(text) ? text : undefined;
}
