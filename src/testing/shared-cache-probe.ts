/**
 * Run as a child process by the shared-cache TLS test: two SharedCache tasks on REDIS_URL (a
 * rediss:// URL whose CA the parent passes in NODE_EXTRA_CA_CERTS, which Node reads only at start),
 * the first reading and filling a balance, the second taking it from Redis. Prints its log lines
 * and then one `result` line as JSON on stdout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSharedCacheConfig } from '../config/shared-cache-config.js';
import { SharedCache } from '../cache/shared-cache.js';

const config = loadSharedCacheConfig(process.env)!;
const logger = {
  info: (fields: object, message: string) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
  warn: (fields: object, message: string) => console.log(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (fields: object, message: string) => console.log(JSON.stringify({ level: 'error', message, ...fields })),
};
const tasks = [new SharedCache({ config, upstreamTimeoutMs: 1000, logger }), new SharedCache({ config, upstreamTimeoutMs: 1000, logger })];
for (const task of tasks) task.start();
for (let i = 0; i < 500 && !tasks.every((t) => t.sharing()); i++) await sleep(10);
const key = { chainId: 1, blockHash: `0x${'ab'.repeat(32)}`, address: `0x${'12'.repeat(20)}`, verified: false };
let reads = 0;
const read = async () => {
  reads++;
  return { wei: 4242n };
};
const first = await tasks[0]!.load(key, read);
await sleep(100);
const second = await tasks[1]!.load(key, read);
console.log(JSON.stringify({ result: { sharing: tasks.every((t) => t.sharing()), first: first.source, second: second.source, reads, errors: tasks[0]!.stats.errors } }));
await Promise.all(tasks.map((t) => t.close()));
