/**
 * The bodies /problems answers: per problem type a short HTML page or its JSON, and the index of
 * all types. Built once from the error table and PROBLEM_GUIDES; the style is one inline element
 * allowed by its hash in the page's Content-Security-Policy (no other source is allowed).
 */
import { createHash } from 'node:crypto';
import { ERRORS, problemSlug, type ErrorCode } from '../errors.js';
import { problemTypeInfo, type ProblemTypeInfo } from './problem-types.js';
import type { StaticBody } from './static-response.js';

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}' +
  'code{background:#eee;padding:0 .25em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}';
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');
export const PROBLEM_PAGE_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const CACHE = 'public, max-age=3600';

export interface ProblemPage {
  readonly html: StaticBody;
  readonly json: StaticBody;
}

/** Text for HTML element content and attribute values. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** `code` spans for backquoted words of the guide's text. */
const prose = (s: string) => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');

function body(contentType: string, text: string, vary: boolean, csp: boolean): StaticBody {
  const bytes = Buffer.from(text);
  const headers: [string, string][] = [];
  if (vary) headers.push(['vary', 'accept']);
  if (csp) headers.push(['content-security-policy', PROBLEM_PAGE_CSP]);
  return { contentType, body: bytes, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 16)}"`, cacheControl: CACHE, headers };
}

function html(title: string, main: string, links: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${main}
</main>
<footer><p>${links}</p></footer>
</body>
</html>
`;
}

function links(fromIndex: boolean, docs: boolean): string {
  const up = fromIndex ? '' : '../';
  const list = [`<a href="${up}problems">All problem types</a>`, `<a href="${up}openapi.json">openapi.json</a>`];
  if (docs) list.push(`<a href="${up}docs">API reference</a>`);
  return list.join(' · ');
}

function page(info: ProblemTypeInfo, docs: boolean): ProblemPage {
  const main = `<h1>${escapeHtml(info.title)}</h1>
<p>Code <code>${info.code}</code>, HTTP status ${info.status}, problem type <code>${escapeHtml(info.type)}</code>.</p>
<h2>When it happens</h2>
<p>${prose(info.when)}</p>
<h2>What to do</h2>
<p>${prose(info.action)}</p>
<p>The answer is an <code>application/problem+json</code> body (RFC 9457) with <code>type</code>, <code>title</code>, <code>status</code>, <code>code</code> and <code>detail</code>; its <code>detail</code> says what was wrong with this request.</p>`;
  return {
    html: body('text/html; charset=utf-8', html(`${info.code}: ${info.title}`, main, links(false, docs)), true, true),
    json: body('application/json', JSON.stringify(info), true, false),
  };
}

function index(infos: readonly ProblemTypeInfo[], docs: boolean): ProblemPage {
  const rows = infos
    .map((i) => `<tr><td><a href="problems/${problemSlug(i.code)}"><code>${i.code}</code></a></td><td>${i.status}</td><td>${escapeHtml(i.title)}</td></tr>`)
    .join('\n');
  const main = `<h1>Problem types</h1>
<p>Every error answer of this service is an <code>application/problem+json</code> body whose <code>type</code> is one of these pages.</p>
<table>
<thead><tr><th scope="col">Code</th><th scope="col">Status</th><th scope="col">Title</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  return {
    html: body('text/html; charset=utf-8', html('Problem types', main, links(true, docs)), true, true),
    json: body('application/json', JSON.stringify({ problems: infos }), true, false),
  };
}

/** Every page, keyed by the type's slug, and the index. Reads the problem type base: build after it is set. */
export function problemPages(docs: boolean): { readonly bySlug: ReadonlyMap<string, ProblemPage>; readonly index: ProblemPage } {
  const infos = (Object.keys(ERRORS) as ErrorCode[]).map(problemTypeInfo);
  return { bySlug: new Map(infos.map((i) => [problemSlug(i.code), page(i, docs)])), index: index(infos, docs) };
}

/** JSON when the Accept header asks for it (application/json or a +json type); HTML otherwise. */
export function wantsJson(accept: string): boolean {
  return /\bjson\b/i.test(accept) && !/^\s*text\/html/i.test(accept);
}
