/**
 * The request a piece of asynchronous work belongs to. The HTTP layer enters it only on the slow
 * path (a cache miss, which awaits), so cache hits never pay for it; the logger's mixin reads it, so
 * every line logged while serving that request (router, cache, codec) carries its id.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  readonly requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/** Fields to merge into a log line written inside a request (a new object: pino merges into it). */
export function requestLogFields(): { reqId?: string } {
  const context = requestContext.getStore();
  return context === undefined ? {} : { reqId: context.requestId };
}
