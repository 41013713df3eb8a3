import { startCluster, WATCHED } from '../testing/anvil-cluster.js';
import { startFaultProxy } from '../testing/fault-proxy.js';
import { RpcClient } from '../chain/rpc-client.js';
const c = await startCluster({ synced: 1 });
const proxy = await startFaultProxy(c.synced[0]!.url);
for (const [label, url] of [['direct', c.synced[0]!.url], ['proxy', proxy.url]] as const) {
  const client = new RpcClient({ name: label, url, headers: {} }, { timeoutMs: 2000 });
  const b = await c.synced[0]!.rpc<any>('eth_getBlockByNumber', ['latest', false]);
  const lat: number[] = [];
  for (let i = 0; i < 50; i++) { const t = performance.now(); await client.call('eth_getBalance', [WATCHED[1], { blockHash: b.hash }]); lat.push(performance.now() - t); }
  lat.sort((a, b) => a - b);
  console.log(label, 'single p50', lat[25]!.toFixed(2), 'max', lat[49]!.toFixed(2));
  const t = performance.now();
  await Promise.all(Array.from({ length: 16 }, () => client.call('eth_getBalance', [WATCHED[1], { blockHash: b.hash }])));
  console.log(label, 'batch16', (performance.now() - t).toFixed(2));
  const t2 = performance.now();
  for (let i = 0; i < 20; i++) await client.call('eth_getBlockByNumber', ['latest', false]);
  console.log(label, 'block avg', ((performance.now() - t2) / 20).toFixed(2));
  await client.close();
}
await proxy.close(); await c.stop();
