/**
 * Tracing as the HTTP layer sees it. With OTEL_EXPORTER_OTLP_ENDPOINT unset this module is all there
 * is: no OpenTelemetry package is imported, and a request costs one `undefined` check. With it set,
 * otel-tracing.ts is loaded on start (dynamic import) and spans go request -> cache -> upstream.
 */
import type { Config } from '../config/config.js';
import type { CallObserver } from '../router/upstream.js';
import type { Logger } from './logger.js';

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

export const NO_TRACING: Tracing = Object.freeze({
  enabled: false,
  startRequest: () => undefined,
  onUpstreamCall: undefined,
  shutdown: async () => {},
});

export async function createTracing(config: Config, log: Logger, serviceVersion: string): Promise<Tracing> {
  if (config.otelEndpoint === undefined) return NO_TRACING;
  const { createOtelTracing } = await import('./otel-tracing.js');
  const tracing = createOtelTracing({ endpoint: config.otelEndpoint, sampleRatio: config.traceSampleRatio, serviceVersion });
  log.info({ endpoint: `${config.otelEndpoint}/v1/traces`, sampleRatio: config.traceSampleRatio }, 'tracing on (OTLP/HTTP)');
  return tracing;
}
