/**
 * What a trace is to the HTTP layer, apart from both implementations (tracing.ts when off,
 * otel-tracing.ts when on), so neither has to import the other for its shape.
 */
import type { CallObserver } from '../router/upstream.js';

export interface RequestTrace {
  /** Runs the cache lookup (and the upstream reads below it) as child spans of this request. */
  lookup<T>(work: () => Promise<T>): Promise<T>;
  /** Records that the cache answered without waiting. */
  hit(): void;
  end(status: number): void;
}

export interface Tracing {
  readonly enabled: boolean;
  /** A span for one request; undefined when tracing is off or the request is not sampled. */
  startRequest(method: string, route: string, requestId: string, traceparent: string, tracestate: string): RequestTrace | undefined;
  /** Turns each upstream call made inside a traced request into a client span. */
  readonly onUpstreamCall: CallObserver | undefined;
  /** Flushes spans not exported yet. */
  shutdown(): Promise<void>;
}
