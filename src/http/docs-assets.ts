/**
 * The files of the /docs page: Swagger UI's bundle and stylesheet from the installed
 * swagger-ui-dist package, our own initializer and stylesheet, and the page that loads them. Each
 * asset's URL carries a hash of its bytes, so clients cache it for a year without asking again; the
 * page itself revalidates (ETag). Read once, on the first request for the page.
 *
 * The page's Content-Security-Policy allows scripts, styles and images from the service only (plus
 * data: images: Swagger UI's stylesheet draws its icons as data: SVGs) and connections to it only:
 * Swagger UI needs no inline script and no eval, so its initializer is a file like the rest.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzip } from 'node:zlib';
import { escapeHtml } from './problem-pages.js';
import type { StaticBody } from './static-response.js';

export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const YEAR = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
/** Compressing below this saves less than the header costs. */
const GZIP_MIN_BYTES = 1024;

/**
 * Swagger UI's options: the served document (relative, so a path prefix in front of the service
 * keeps working), no call to the public validator badge service (its default), try-it requests to
 * the document's `servers`.
 */
const INIT = `"use strict";
window.ui = SwaggerUIBundle({
  url: new URL("openapi.json", document.baseURI).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  displayRequestDuration: true,
  persistAuthorization: false,
  defaultModelsExpandDepth: 0,
  tryItOutEnabled: false
});
`;

const STYLE = `html { box-sizing: border-box; overflow-y: scroll; }
*, *::before, *::after { box-sizing: inherit; }
body { margin: 0; background: #fafafa; }
.docs-header { padding: 0.75rem 1.25rem; background: #1b1b1b; color: #fff; font: 600 1rem/1.4 sans-serif; }
.docs-header a { color: #9ad1ff; }
`;

export interface DocsAsset extends StaticBody {
  /** Its name under /docs/ (with the content hash). */
  readonly name: string;
  /** The gzip form, once compressed; undefined until then (and for small files). */
  gzipped: StaticBody | undefined;
  /** Settles once the gzip form is ready (or failed); undefined until the first request starts it. */
  compression: Promise<void> | undefined;
}

export interface DocsFiles {
  readonly page: StaticBody;
  readonly assets: ReadonlyMap<string, DocsAsset>;
}

const TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  png: 'image/png',
};

function hashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 16);
}

function asset(file: string, body: Buffer): DocsAsset {
  const dot = file.lastIndexOf('.');
  const hash = hashOf(body);
  return {
    name: `${file.slice(0, dot)}.${hash}${file.slice(dot)}`,
    contentType: TYPES[file.slice(dot + 1)]!,
    body,
    etag: `"${hash}"`,
    cacheControl: YEAR,
    headers: body.length >= GZIP_MIN_BYTES ? [['vary', 'accept-encoding']] : [],
    gzipped: undefined,
    compression: undefined,
  };
}

/** A file of the package, without its source map comment (the map is not served). */
function fromPackage(dir: string, file: string): Buffer {
  const text = readFileSync(join(dir, file), 'utf8');
  return Buffer.from(text.replace(/\n?\/[/*]# sourceMappingURL=[^\n]*\s*$/, '\n'));
}

export function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/** Reads and hashes the page's files (a few ms: about 2 MB). */
export function loadDocsFiles(title: string, dir: string = swaggerUiDir()): DocsFiles {
  const bundle = asset('swagger-ui-bundle.js', fromPackage(dir, 'swagger-ui-bundle.js'));
  const css = asset('swagger-ui.css', fromPackage(dir, 'swagger-ui.css'));
  const icon = asset('favicon-32x32.png', readFileSync(join(dir, 'favicon-32x32.png')));
  const style = asset('docs.css', Buffer.from(STYLE));
  const init = asset('docs-init.js', Buffer.from(INIT));
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}: API reference</title>
<link rel="stylesheet" href="docs/${css.name}">
<link rel="stylesheet" href="docs/${style.name}">
<link rel="icon" type="image/png" sizes="32x32" href="docs/${icon.name}">
</head>
<body>
<header class="docs-header">${escapeHtml(title)}: API reference. The document: <a href="openapi.json">openapi.json</a>; error types: <a href="problems">problems</a></header>
<main id="swagger-ui"></main>
<noscript>This page needs JavaScript. The API is described in <a href="openapi.json">openapi.json</a>.</noscript>
<script src="docs/${bundle.name}"></script>
<script src="docs/${init.name}"></script>
</body>
</html>
`;
  const body = Buffer.from(html);
  const page: StaticBody = {
    contentType: 'text/html; charset=utf-8',
    body,
    etag: `"${hashOf(body)}"`,
    cacheControl: REVALIDATE,
    headers: [
      ['content-security-policy', DOCS_CSP],
      ['referrer-policy', 'no-referrer'],
    ],
  };
  return { page, assets: new Map([bundle, css, icon, style, init].map((a) => [a.name, a])) };
}

/** True when an accept-encoding header value takes gzip (and does not refuse it with q=0). */
export function acceptsGzip(acceptEncoding: string): boolean {
  return acceptEncoding.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip') return false;
    return !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p));
  });
}

/**
 * The asset as the client takes it: gzip when accepted and ready. The first request for a large
 * asset starts compressing it on the thread pool (never on the event loop) and is answered
 * uncompressed meanwhile.
 */
export function representation(a: DocsAsset, acceptEncoding: string): StaticBody {
  if (a.headers.length === 0 || !acceptsGzip(acceptEncoding)) return a;
  if (a.gzipped !== undefined) return a.gzipped;
  a.compression ??= new Promise<void>((resolve) => {
    gzip(a.body, { level: 9 }, (error, zipped) => {
      // On error it stays uncompressed.
      if (error === null) {
        a.gzipped = {
          contentType: a.contentType,
          body: zipped,
          etag: `"${a.etag.slice(1, -1)}-gzip"`,
          cacheControl: a.cacheControl,
          headers: [...a.headers, ['content-encoding', 'gzip']],
        };
      }
      resolve();
    });
  });
  return a;
}
