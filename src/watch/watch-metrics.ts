/**
 * Prometheus metrics of GET /watch, on the service's registry: connections, subscriptions and
 * watched addresses per network (read at scrape time), messages by op, slow-consumer closes,
 * upstream requests made for watching, skipped blocks, and the delivery delay from a head's
 * adoption to its message.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { Collected, type Sample } from '../observability/metrics.js';
import type { ServerOp } from './messages.js';

/** What the gauges read when scraped. */
export interface WatchGauges {
  connections(): number;
  /** Per network: subscriptions and distinct watched addresses. */
  networks(): readonly { readonly network: string; readonly subscriptions: number; readonly addresses: number }[];
}

export interface WatchRecorder {
  sent(op: ServerOp): void;
  slowConsumerClosed(): void;
  upstreamRequests(network: string, n: number): void;
  blockSkipped(network: string): void;
  delivered(network: string, delaySeconds: number): void;
}

export function registerWatchMetrics(registry: Registry, gauges: WatchGauges): WatchRecorder {
  const gauge = (name: string, help: string, read: () => Sample[]) => registry.registerMetric(new Collected(name, help, 'gauge', read) as never);
  gauge('balance_api_watch_connections', 'Open GET /watch WebSocket connections', () => [{ value: gauges.connections() }]);
  gauge('balance_api_watch_subscriptions', 'Live watch subscriptions per network', () =>
    gauges.networks().map((n) => ({ value: n.subscriptions, labels: { network: n.network } })),
  );
  gauge('balance_api_watch_addresses', 'Distinct addresses watched per network (read once per block)', () =>
    gauges.networks().map((n) => ({ value: n.addresses, labels: { network: n.network } })),
  );
  const messages = new Counter({ name: 'balance_api_watch_messages_total', help: 'Watch messages sent, by op', labelNames: ['op'], registers: [registry] });
  const slow = new Counter({ name: 'balance_api_watch_slow_consumer_closes_total', help: 'Connections closed with 1013 for buffering past WATCH_MAX_BACKPRESSURE_BYTES', registers: [registry] });
  const upstream = new Counter({
    name: 'balance_api_watch_upstream_requests_total',
    help: 'Upstream HTTP requests made for watching (balance reads past both cache levels, canonical-block checks)',
    labelNames: ['network'],
    registers: [registry],
  });
  const skipped = new Counter({ name: 'balance_api_watch_blocks_skipped_total', help: 'Adopted blocks whose read failed (the next message covers them)', labelNames: ['network'], registers: [registry] });
  const delay = new Histogram({
    name: 'balance_api_watch_delivery_delay_seconds',
    help: 'From a head adopted by the watch to its block message sent',
    labelNames: ['network'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    sent: (op) => messages.inc({ op }),
    slowConsumerClosed: () => slow.inc(),
    upstreamRequests: (network, n) => upstream.inc({ network }, n),
    blockSkipped: (network) => skipped.inc({ network }),
    delivered: (network, seconds) => delay.observe({ network }, seconds),
  };
}
