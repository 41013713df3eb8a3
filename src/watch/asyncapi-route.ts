/**
 * GET /asyncapi.json: the watch protocol's AsyncAPI document (asyncapi.ts), built once at start
 * and served like /openapi.json.
 */
import type { TemplatedApp } from '../http/uws.js';
import type { RequestFlow } from '../http/request-flow.js';
import { JSON_TYPE } from '../http/responses.js';
import { ROUTE } from '../observability/metrics.js';
import { asyncApiBody, type AsyncApiOptions } from './asyncapi.js';

export const ASYNCAPI_ROUTE = '/asyncapi.json';

export function registerAsyncApi(app: TemplatedApp, flow: RequestFlow, options: AsyncApiOptions): void {
  const body = asyncApiBody(options);
  app.get(
    ASYNCAPI_ROUTE,
    flow.handler(ROUTE.asyncapi, { method: 'get', checks: 'shape' }, (ctx) => {
      flow.reply(ctx, 200, JSON_TYPE, body);
    }),
  );
}
