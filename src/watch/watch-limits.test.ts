/**
 * GET /watch limits and access: frame size (1009), connections per process (503), shutdown (1001), API keys (header or subprotocol) and the origin check (403).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWatchRig, DEV_0, type WatchRig } from '../testing/watch-rig.js';
import { WatchClient } from '../testing/watch-client.js';

const KEY = 'watch-test-key-0123456789';
const SLASHED_KEY = 'slashed/key+with=0123456789';

async function refusal(connecting: Promise<WatchClient>): Promise<{ status: number; code: string }> {
  const error = (await connecting.then(
    (c) => (void c.close(), assert.fail('the upgrade was accepted')),
    (e: unknown) => e,
  )) as { status: number; body: { code: string; status: number } };
  assert.equal(error.body.status, error.status);
  return { status: error.status, code: error.body.code };
}

describe('GET /watch: frame size, connections, shutdown', () => {
  let rig: WatchRig;
  before(async () => {
    rig = await startWatchRig({ WATCH_MAX_CONNECTIONS: '2', WATCH_MAX_ADDRESSES: '10' });
  });
  after(() => rig?.stop());

  it('closes with 1009 on a frame over 1024 + 64 bytes per WATCH_MAX_ADDRESSES address', async () => {
    const client = await rig.connect();
    const bound = 1024 + 64 * 10;
    client.send(JSON.stringify({ op: 'unsubscribe', id: 'a', pad: 'x'.repeat(bound) }).slice(0, bound + 1));
    assert.equal((await client.closed).code, 1009);
  });

  it('takes a frame of exactly the bound', async () => {
    const client = await rig.connect();
    const text = JSON.stringify({ op: 'unsubscribe', id: 'a' });
    client.send(text + ' '.repeat(1024 + 64 * 10 - text.length));
    assert.equal((await client.next()).op, 'error');
    await client.close();
  });

  it('refuses the upgrade past WATCH_MAX_CONNECTIONS with 503, and takes one again after a close', async () => {
    const [a, b] = [await rig.connect(), await rig.connect()];
    assert.deepEqual(await refusal(rig.connect()), { status: 503, code: 'TOO_MANY_CONNECTIONS' });
    await a.close();
    while ((await rig.metric('balance_api_watch_connections')) !== 1) await new Promise((r) => setImmediate(r));
    const c = await rig.connect();
    await Promise.all([b.close(), c.close()]);
  });

  it('closes every socket with 1001 on shutdown', async () => {
    const client = await rig.connect();
    client.send({ op: 'subscribe', id: 's', addresses: [DEV_0] });
    assert.equal((await client.next()).op, 'subscribed');
    const [closed, result] = await Promise.all([client.closed, rig.app.shutdown()]);
    assert.equal(closed.code, 1001);
    assert.equal(result.drained, true);
  });
});

describe('GET /watch: API keys and origins', () => {
  let rig: WatchRig;
  before(async () => {
    rig = await startWatchRig({ API_KEYS: `web:${KEY},other:${SLASHED_KEY}`, CORS_ORIGINS: 'https://app.example.com' });
  });
  after(() => rig?.stop());

  it('refuses an upgrade without a valid key with 401', async () => {
    assert.deepEqual(await refusal(rig.connect()), { status: 401, code: 'UNAUTHORIZED' });
    assert.deepEqual(await refusal(rig.connect({ headers: { 'x-api-key': 'not-a-key-0123456789' } })), { status: 401, code: 'UNAUTHORIZED' });
    assert.deepEqual(await refusal(rig.connect({ protocols: ['balance-api', 'api-key.wrong-key-0123456789'] })), { status: 401, code: 'UNAUTHORIZED' });
  });

  it('takes the key from x-api-key, or (browsers) from the subprotocol, never echoing it', async () => {
    const byHeader = await rig.connect({ headers: { 'x-api-key': KEY } });
    const byProtocol = await rig.connect({ protocols: ['balance-api', `api-key.${KEY}`] });
    assert.equal(byProtocol.socket.protocol, 'balance-api');
    const encoded = await rig.connect({ protocols: ['balance-api', `api-key.${Buffer.from(SLASHED_KEY).toString('base64url')}`] });
    for (const c of [byHeader, byProtocol, encoded]) {
      c.send({ op: 'subscribe', id: 's', addresses: [DEV_0] });
      assert.equal((await c.next()).op, 'subscribed');
      await c.close();
    }
  });

  it('refuses an upgrade from another origin with 403; its own origin and no origin pass', async () => {
    const headers = { 'x-api-key': KEY };
    assert.deepEqual(await refusal(rig.connect({ headers: { ...headers, origin: 'https://evil.example' } })), { status: 403, code: 'ORIGIN_NOT_ALLOWED' });
    const own = await rig.connect({ headers: { ...headers, origin: 'https://app.example.com' } });
    const none = await rig.connect({ headers });
    await Promise.all([own.close(), none.close()]);
  });
});
