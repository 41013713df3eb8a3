/**
 * Provider URLs carry secrets: Infura project ids are path segments, others use basic auth or a
 * query-string token. Everything that leaves the process (logs, /providers, metrics, error bodies)
 * goes through redactUrl, which keeps only what helps an operator: scheme, host, port and the
 * shape of the path.
 */
const SECRET_SEGMENT = /^[A-Za-z0-9_-]{16,}$/;

export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '[invalid url]';
  }
  const path = url.pathname
    .split('/')
    .map((segment) => (SECRET_SEGMENT.test(segment) ? '***' : segment))
    .join('/');
  const auth = url.username !== '' || url.password !== '' ? '***@' : '';
  const query = url.search === '' ? '' : '?***';
  return `${url.protocol}//${auth}${url.host}${path === '/' ? '' : path}${query}`;
}

/** Replaces every known secret (and any URL containing one) inside free text, e.g. an error message. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text.replace(/https?:\/\/[^\s"'<>]+/g, (match) => redactUrl(match));
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
