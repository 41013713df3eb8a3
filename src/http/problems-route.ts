/**
 * GET /problems/<slug>: what a problem `type` URI names (every code of the error table has one),
 * as a short page or, with `Accept: application/json`, as JSON; GET /problems lists them all. An
 * unknown name is a 404 problem. Public: no API key, so a client that got a 401 can read it.
 */
import type { TemplatedApp } from './uws.js';
import { ROUTE } from '../observability/metrics.js';
import { problemPages, wantsJson } from './problem-pages.js';
import type { RequestFlow } from './request-flow.js';
import { writeProblemDetails } from './responses.js';
import { writeStatic } from './static-response.js';

export const PROBLEMS_ROUTE = '/problems';

export function registerProblems(app: TemplatedApp, flow: RequestFlow, docs: boolean): void {
  const pages = problemPages(docs);

  app.get(
    PROBLEMS_ROUTE,
    flow.handler(ROUTE.problems, { method: 'get', checks: 'shape' }, (ctx, req) => {
      const item = wantsJson(req.getHeader('accept')) ? pages.index.json : pages.index.html;
      flow.finish(ctx, writeStatic(ctx.res, item, ctx.requestId, req.getHeader('if-none-match')));
    }),
  );

  app.get(
    `${PROBLEMS_ROUTE}/:name`,
    flow.handler(ROUTE.problems, { method: 'get', checks: 'shape' }, (ctx, req) => {
      const found = pages.bySlug.get(req.getParameter(0) ?? '');
      if (found === undefined) {
        flow.finish(ctx, writeProblemDetails(ctx.res, 'NOT_FOUND', 'no such problem type; GET /problems lists them', ctx.requestId));
        return;
      }
      const item = wantsJson(req.getHeader('accept')) ? found.json : found.html;
      flow.finish(ctx, writeStatic(ctx.res, item, ctx.requestId, req.getHeader('if-none-match')));
    }),
  );
}
