/**
 * The service as the HTTP harness runs it: the real app (same wiring as src/main.ts) in a child
 * process, plus an IPC channel the harness uses to read RSS and cache counters between phases.
 */
import { readFileSync } from 'node:fs';
import { startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/observability/logger.js';

export interface ServiceReport {
  readonly port: number;
  readonly rssMb: number;
  /** Peak RSS of the process so far (VmHWM). */
  readonly peakRssMb: number;
  readonly heapUsedMb: number;
  /** Buffers and other memory outside the V8 heap. */
  readonly externalMb: number;
  readonly cacheSize: number;
  readonly cacheStats: { hits: number; misses: number; coalesced: number; evictions: number };
}

function peakRssMb(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) return Number(match[1]) / 1024;
  } catch {
    // Not Linux: fall back to the current value.
  }
  return process.memoryUsage.rss() / 2 ** 20;
}

const config = loadConfig(process.env);
const app = await startApp(config, createLogger(config.logLevel));

const report = (): ServiceReport => ({
  port: app.port,
  rssMb: process.memoryUsage.rss() / 2 ** 20,
  peakRssMb: peakRssMb(),
  heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
  externalMb: process.memoryUsage().external / 2 ** 20,
  cacheSize: app.cache.size,
  cacheStats: { ...app.cache.stats },
});

process.on('message', (message: unknown) => {
  if (message === 'report') process.send?.({ type: 'report', report: report() });
  if (message === 'gc-report') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ type: 'report', report: report() });
  }
  if (message === 'stop') void app.shutdown().then(() => process.exit(0));
});
process.send?.({ type: 'ready', report: report() });
