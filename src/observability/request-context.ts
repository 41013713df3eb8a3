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

const NONE = Object.freeze({});

/** Fields to merge into a log line written inside a request. */
export function requestLogFields(): Readonly<{ reqId?: string }> {
  const context = requestContext.getStore();
  return context === undefined ? NONE : { reqId: context.requestId };
}
