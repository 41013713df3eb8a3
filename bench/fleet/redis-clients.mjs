// How the Redis client was chosen (README "Fleet cache"): the same measurements on ioredis and
// node-redis against a local redis-server. node-redis is not a dependency, so install both in a
// scratch directory first and point CLIENTS_DIR at it:
//   mkdir -p /tmp/clients && npm install --prefix /tmp/clients --no-save @redis/client@6.3.1 ioredis@6.0.0
//   CLIENTS_DIR=/tmp/clients node bench/fleet/redis-clients.mjs ioredis
//   CLIENTS_DIR=/tmp/clients node bench/fleet/redis-clients.mjs node-redis
// Prints: module load time, c=1 GET p50/p99 and CPU per op, c=2000 GET throughput and CPU per op,
// what a GET does on a SIGSTOPped server, on a killed one, and how long a restart takes to reconnect.
import { createRequire } from 'node:module';
import { join } from 'node:path';
const require = createRequire(join(process.env.CLIENTS_DIR ?? process.cwd(), "noop.js"));
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
const port = 16379 + Math.floor(Math.random()*1000);
const srv = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
await new Promise(r => setTimeout(r, 300));
const which = process.argv[2];
let t0 = performance.now();
let get, set, close, raw;
if (which === 'ioredis') {
  const { Redis } = require('ioredis');
  const loadMs = performance.now() - t0;
  const c = new Redis({ port, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 300, lazyConnect: true });
  await c.connect();
  console.log('load ms', loadMs.toFixed(1));
  get = (k) => c.get(k); set = (k, v) => c.set(k, v, 'EX', 60); close = () => c.quit(); raw = c;
} else {
  const { createClient } = require('@redis/client');
  const loadMs = performance.now() - t0;
  const c = createClient({ socket: { port, reconnectStrategy: (n) => Math.min(n * 50, 1000) }, disableOfflineQueue: true });
  c.on('error', () => {});
  await c.connect();
  console.log('load ms', loadMs.toFixed(1));
  get = (k) => c.get(k); set = (k, v) => c.set(k, v, { EX: 60 }); close = () => c.close?.() ?? c.quit(); raw = c;
}
const val = JSON.stringify({ v: 1, c: 1, h: '0x' + 'ab'.repeat(32), a: '0x' + 'cd'.repeat(20), w: '123456789012345678901' });
for (let i = 0; i < 1000; i++) await set('k' + i, val);
// warm
for (let i = 0; i < 2000; i++) await get('k' + (i % 1000));
const lat = [];
const cpu0 = process.cpuUsage();
for (let i = 0; i < 10000; i++) { const s = performance.now(); await get('k' + (i % 1000)); lat.push(performance.now() - s); }
const cpu1 = process.cpuUsage(cpu0);
lat.sort((a, b) => a - b);
console.log(which, 'c=1 GET p50 us', (lat[5000]*1000).toFixed(0), 'p99 us', (lat[9900]*1000).toFixed(0), 'cpu us/op', ((cpu1.user+cpu1.system)/10000).toFixed(1));
t0 = performance.now();
const c2 = process.cpuUsage();
for (let r = 0; r < 10; r++) await Promise.all(Array.from({ length: 2000 }, (_, i) => get('k' + (i % 1000))));
const dt = performance.now() - t0; const cc = process.cpuUsage(c2);
console.log(which, 'c=2000 GET ops/s', (20000 / dt * 1000).toFixed(0), 'cpu us/op', ((cc.user+cc.system)/20000).toFixed(1));
// hang
srv.kill('SIGSTOP');
t0 = performance.now();
const r = await Promise.race([get('k1').then(() => 'ok', (e) => 'err:' + e.message), new Promise(r => setTimeout(() => r('no answer in 1s'), 1000))]);
console.log(which, 'hung GET ->', r, (performance.now()-t0).toFixed(0), 'ms');
srv.kill('SIGCONT');
await new Promise(r => setTimeout(r, 100));
srv.kill('SIGKILL');
await new Promise(r => setTimeout(r, 100));
t0 = performance.now();
const r2 = await Promise.race([get('k1').then(() => 'ok', (e) => 'err:' + e.message), new Promise(r => setTimeout(() => r('no answer in 1s'), 1000))]);
console.log(which, 'killed GET ->', r2, (performance.now()-t0).toFixed(0), 'ms');
const srv2 = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
t0 = performance.now();
let back = false;
while (performance.now() - t0 < 5000) { try { await set('x', '1'); back = true; break; } catch { await new Promise(r => setTimeout(r, 20)); } }
console.log(which, 'restart: reconnected', back, (performance.now()-t0).toFixed(0), 'ms');
await close();
srv2.kill('SIGKILL');
process.exit(0);
