/**
 * Tracing as the HTTP layer sees it. With OTEL_EXPORTER_OTLP_ENDPOINT unset this module is all there
 * is: no OpenTelemetry package is imported, and a request costs one `undefined` check. With it set,
 * otel-tracing.ts is loaded on start (dynamic import) and spans go request -> cache -> upstream.
 */
import type { Config } from '../config/config.js';
import type { Logger } from './logger.js';
import type { Tracing } from './request-trace.js';

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
