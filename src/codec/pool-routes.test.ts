/**
 * The heavy work of real requests goes to the real pool past the threshold and stays inline below
 * it and with WORKERS=0, counted by the pool's finished tasks; the answers are byte for byte the
 * inline app's (bar the measured rpcLatencyMs). Two apps over one anvil at one block.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { formatEther, getAddress } from 'ethers';
import { seedDevnet, startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { startTestApp, type TestApp } from '../testing/start-app.js';
import { POOL_MIN_BATCH } from './codec-pool.js';

const cold = (n: number) => Array.from({ length: n }, () => getAddress(`0x${randomBytes(20).toString('hex')}`));
const FUNDED = cold(2 * POOL_MIN_BATCH);
const weiOf = (i: number) => 10n ** 15n * BigInt(i + 1) + BigInt(i);

/** The body without rpcLatencyMs (a measurement, different in every answer), top level and per item. */
function comparable(text: string): unknown {
  return JSON.parse(text, (key, value) => (key === 'rpcLatencyMs' ? undefined : value));
}

const skip = availableParallelism() < 2 ? 'one core: the pool stays inline (poolSize)' : false;

describe('heavy work on the pool (WORKERS=1) against inline (WORKERS=0)', { skip }, () => {
  let node: AnvilNode;
  let pooled: TestApp;
  let inline: TestApp;

  before(async () => {
    node = await startAnvil({ chainId: 1 });
    await seedDevnet(node);
    for (const [i, address] of FUNDED.entries()) await node.rpc('anvil_setBalance', [address, `0x${weiOf(i).toString(16)}`]);
    await node.rpc('anvil_mine', ['0x1']);
    const env = { RPC_URLS: `anvil=${node.url}`, EXPECTED_CHAIN_ID: '1' };
    [pooled, inline] = await Promise.all([startTestApp({ ...env, WORKERS: '1' }), startTestApp({ ...env, WORKERS: '0' })]);
  });
  after(async () => {
    await Promise.allSettled([pooled?.shutdown(), inline?.shutdown()]);
    await node?.stop();
  });

  /** Both apps' answers and the pool tasks the pooled one ran for it. */
  async function both(path: string, addresses?: readonly string[]): Promise<{ tasks: number; pooledText: string; inlineText: string; status: number }> {
    const init = addresses === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ addresses }) };
    const before = pooled.codec.completed();
    const a = await fetch(pooled.baseUrl + path, init);
    const pooledText = await a.text();
    const tasks = pooled.codec.completed() - before;
    const b = await fetch(inline.baseUrl + path, init);
    const inlineText = await b.text();
    assert.equal(a.status, b.status);
    assert.equal(inline.codec.completed(), 0);
    return { tasks, pooledText, inlineText, status: a.status };
  }

  it('runs a pool of one worker here, and none with WORKERS=0', () => {
    assert.deepEqual([pooled.codec.pooled, pooled.codec.stats().workers, inline.codec.pooled], [true, 1, false]);
  });

  it(`checks a cold batch of ${POOL_MIN_BATCH} addresses on the pool (zero balances format inline), the same answer`, async () => {
    const r = await both('/address/balances', cold(POOL_MIN_BATCH).map((a) => a.toLowerCase()).map(getAddress));
    assert.equal(r.status, 200);
    assert.equal(r.tasks, 1);
    assert.deepEqual(comparable(r.pooledText), comparable(r.inlineText));
  });

  it(`keeps a batch of ${POOL_MIN_BATCH - 1} inline: no pool task, the same answer`, async () => {
    const r = await both('/address/balances', cold(POOL_MIN_BATCH - 1));
    assert.equal(r.status, 200);
    assert.equal(r.tasks, 0);
    assert.deepEqual(comparable(r.pooledText), comparable(r.inlineText));
  });

  it('refuses a large batch with bad checksums as the inline app does, checked on the pool', async () => {
    const addresses = cold(POOL_MIN_BATCH);
    addresses[7] = addresses[7]!.toLowerCase().replace(/[a-f]/, (c) => c.toUpperCase());
    const r = await both('/address/balances', addresses);
    assert.equal(r.status, 400);
    assert.equal(r.tasks, 1);
    assert.deepEqual(JSON.parse(r.pooledText), JSON.parse(r.inlineText));
  });

  it('checks and formats a batch of funded addresses on the pool, with the balances ethers formats', async () => {
    const batch = FUNDED.slice(0, POOL_MIN_BATCH);
    const r = await both('/address/balances', batch);
    assert.equal(r.status, 200);
    assert.equal(r.tasks, 2);
    assert.deepEqual(comparable(r.pooledText), comparable(r.inlineText));
    const body = JSON.parse(r.pooledText) as { balances: { address: string; balance: string; balanceWei: string }[] };
    assert.deepEqual(
      body.balances,
      batch.map((address, i) => ({ address, balance: formatEther(weiOf(i)), balanceWei: weiOf(i).toString() })),
    );
  });

  it('proves a verified read on the pool: one task, the same answer', async () => {
    const r = await both(`/address/balance/${FUNDED[POOL_MIN_BATCH]}?verify=true`);
    assert.equal(r.status, 200);
    assert.equal(r.tasks, 1);
    assert.deepEqual(comparable(r.pooledText), comparable(r.inlineText));
    assert.equal((JSON.parse(r.pooledText) as { verified: boolean }).verified, true);
  });

  it('proves every balance of a verified batch on the pool, the same answer', async () => {
    const r = await both('/address/balances?verify=true', FUNDED.slice(POOL_MIN_BATCH + 1));
    assert.equal(r.status, 200);
    assert.ok(r.tasks >= 1, `pool tasks: ${r.tasks}`);
    assert.deepEqual(comparable(r.pooledText), comparable(r.inlineText));
  });

  it('keeps a single GET miss inline: its one address check never pays for a thread hop', async () => {
    const r = await both(`/address/balance/${cold(1)[0]}`);
    assert.equal(r.status, 200);
    assert.equal(r.tasks, 0);
    assert.deepEqual(comparable(r.pooledText), comparable(r.inlineText));
  });
});
