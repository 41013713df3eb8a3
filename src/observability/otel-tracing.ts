/**
 * OpenTelemetry behind the Tracing interface. Loaded only by a dynamic import when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing else may import it statically.
 */
import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type { CallOutcome } from '../router/upstream.js';
import type { RequestTrace, Tracing } from './request-trace.js';

const SHUTDOWN_TIMEOUT_MS = 3000;

/** One context manager per process: OpenTelemetry's context API is global. */
let contextManagerSet = false;
function ensureContextManager(): void {
  if (contextManagerSet) return;
  contextManagerSet = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

export interface OtelOptions {
  /** Base URL; spans go to `${endpoint}/v1/traces` (OTLP/HTTP, JSON). */
  readonly endpoint: string;
  readonly sampleRatio: number;
  readonly serviceVersion: string;
}

export function createOtelTracing(options: OtelOptions): Tracing {
  ensureContextManager();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'balance-api', 'service.version': options.serviceVersion }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('balance-api', options.serviceVersion);
  const propagator = new W3CTraceContextPropagator();

  class Request implements RequestTrace {
    private readonly context: Context;

    constructor(private readonly span: Span) {
      this.context = trace.setSpan(context.active(), span);
    }

    lookup<T>(work: () => Promise<T>): Promise<T> {
      const cache = tracer.startSpan('cache lookup', { kind: SpanKind.INTERNAL, attributes: { 'cache.hit': false } }, this.context);
      return context.with(trace.setSpan(this.context, cache), work).then(
        (value) => {
          cache.end();
          return value;
        },
        (error: unknown) => {
          cache.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
          cache.end();
          throw error;
        },
      );
    }

    hit(): void {
      this.span.setAttribute('cache.hit', true);
      tracer.startSpan('cache lookup', { kind: SpanKind.INTERNAL, attributes: { 'cache.hit': true } }, this.context).end();
    }

    end(status: number): void {
      this.span.setAttribute('http.response.status_code', status);
      if (status >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR });
      this.span.end();
    }
  }

  return {
    enabled: true,
    startRequest(method, route, requestId, traceparent, tracestate) {
      const parent =
        traceparent === '' ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, { traceparent, tracestate }, defaultTextMapGetter);
      const span = tracer.startSpan(
        `${method} ${route}`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': route, 'balance_api.request_id': requestId } },
        parent,
      );
      return span.isRecording() ? new Request(span) : undefined;
    },
    onUpstreamCall(provider: string, method: string, outcome: CallOutcome, latencyMs: number, calls = 1) {
      const active = context.active();
      if (trace.getSpan(active)?.isRecording() !== true) return;
      const end = performance.timeOrigin + performance.now();
      const span = tracer.startSpan(
        method,
        {
          kind: SpanKind.CLIENT,
          startTime: end - latencyMs,
          attributes: {
            'rpc.system': 'jsonrpc',
            'rpc.method': method,
            'balance_api.provider': provider,
            'balance_api.outcome': outcome,
            ...(calls === 1 ? {} : { 'balance_api.calls': calls }),
          },
        },
        active,
      );
      if (outcome !== 'ok' && outcome !== 'hedge' && outcome !== 'cancelled') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      span.end(end);
    },
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        provider.shutdown(),
        new Promise((resolve) => {
          timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
