/**
 * GET /docs: the interactive API reference of the served /openapi.json (Swagger UI), and its assets
 * under /docs/<name>.<hash>.<ext>. Public even when API_KEYS is set (only shape checks): try-it
 * requests need the key, given in the page's Authorize box. Not registered with DOCS=off, so both
 * fall through to the 404.
 */
import type { TemplatedApp } from './uws.js';
import { ROUTE } from '../observability/metrics.js';
import { loadDocsFiles, representation, swaggerUiDir, type DocsFiles } from './docs-assets.js';
import type { RequestFlow } from './request-flow.js';
import { writeProblemDetails } from './responses.js';
import { writeStatic } from './static-response.js';

export const DOCS_ROUTE = '/docs';

export function registerDocs(app: TemplatedApp, flow: RequestFlow, title: string): void {
  // Fails at start, not at the first visit, when the package is missing from the image.
  const dir = swaggerUiDir();
  let files: DocsFiles | undefined;
  const load = () => (files ??= loadDocsFiles(title, dir));

  app.get(
    DOCS_ROUTE,
    flow.handler(ROUTE.docs, { method: 'get', checks: 'shape' }, (ctx, req) => {
      flow.finish(ctx, writeStatic(ctx.res, load().page, ctx.requestId, req.getHeader('if-none-match')));
    }),
  );

  app.get(
    `${DOCS_ROUTE}/:name`,
    flow.handler(ROUTE.docs, { method: 'get', checks: 'shape' }, (ctx, req) => {
      const found = load().assets.get(req.getParameter(0) ?? '');
      if (found === undefined) {
        flow.finish(ctx, writeProblemDetails(ctx.res, 'NOT_FOUND', 'no such file of the docs page; see GET /docs', ctx.requestId));
        return;
      }
      const item = representation(found, req.getHeader('accept-encoding'));
      flow.finish(ctx, writeStatic(ctx.res, item, ctx.requestId, req.getHeader('if-none-match')));
    }),
  );
}
