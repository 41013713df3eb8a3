/**
 * GET /watch errors: every code, each leaving the connection and its other subscriptions as they
 * were (the same connection goes on to subscribe and get its snapshot after each one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWatchRig, DEV_0, DEV_1, type WatchRig } from '../testing/watch-rig.js';
import type { WatchClient } from '../testing/watch-client.js';
import type { ErrorMessage } from './messages.js';

const X = '0x1111111111111111111111111111111111111111';
const SEED = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';

describe('GET /watch: errors', () => {
  let rig: WatchRig;
  let client: WatchClient;

  before(async () => {
    rig = await startWatchRig({ WATCH_MAX_ADDRESSES: '3', WATCH_MAX_SUBSCRIPTIONS: '2', RATE_LIMIT_RPS: '0.001', RATE_LIMIT_BURST: '9', REQUEST_DEADLINE_MS: '400' });
    client = await rig.connect();
    client.send({ op: 'subscribe', id: 'keep', addresses: [DEV_0] });
    assert.equal((await client.next()).op, 'subscribed');
  });
  after(async () => {
    await client?.close();
    await rig?.stop();
  });

  /** Sends `message`, expects exactly `error` back. */
  const refused = async (message: unknown, error: Omit<ErrorMessage, 'op'>) => {
    client.send(message);
    assert.deepEqual(await client.next(), { op: 'error', ...error });
  };

  it('INVALID_MESSAGE: not JSON, not an object, unknown op, bad id, unknown member, ill-typed members, binary', async () => {
    const shape = { code: 'INVALID_MESSAGE' };
    for (const [message, id] of [
      ['{not json', undefined],
      ['[1,2]', undefined],
      [{ op: 'watch', id: 'a' }, undefined],
      [{ op: 'subscribe', id: 'bad id!', addresses: [X] }, undefined],
      [{ op: 'subscribe', id: 'x'.repeat(65), addresses: [X] }, undefined],
      [{ op: 'subscribe', addresses: [X] }, undefined],
      [{ op: 'subscribe', id: 'a', addresses: [X], blocktag: 'latest' }, 'a'],
      [{ op: 'subscribe', id: 'a', addresses: X }, 'a'],
      [{ op: 'subscribe', id: 'a', addresses: [] }, 'a'],
      [{ op: 'subscribe', id: 'a', addresses: [X], network: true }, 'a'],
      [{ op: 'subscribe', id: 'a', addresses: [X], blockTag: 1 }, 'a'],
      [{ op: 'unsubscribe', id: 'a', addresses: [X] }, 'a'],
    ] as const) {
      client.send(message);
      const m = (await client.next()) as ErrorMessage;
      assert.deepEqual({ op: m.op, code: m.code, id: m.id }, { op: 'error', ...shape, id }, JSON.stringify(message));
      assert.equal(typeof m.detail, 'string');
    }
    client.socket.send(Buffer.from('{"op":"unsubscribe","id":"keep"}'), { binary: true });
    const m = (await client.next()) as ErrorMessage;
    assert.deepEqual({ op: m.op, code: m.code }, { op: 'error', code: 'INVALID_MESSAGE' });
  });

  it('INVALID_ADDRESSES with its errors list, as the batch route', async () => {
    await refused(
      { op: 'subscribe', id: 'a', addresses: [SEED.toLowerCase(), '0x12', 7] },
      {
        id: 'a',
        code: 'INVALID_ADDRESSES',
        detail: '3 of 3 addresses are invalid; see errors (index, code and, where known, the EIP-55 form)',
        errors: [
          { index: 0, code: 'ADDRESS_NOT_CHECKSUMMED', checksummed: SEED },
          { index: 1, code: 'INVALID_ADDRESS' },
          { index: 2, code: 'INVALID_ADDRESS' },
        ],
      },
    );
  });

  it('INVALID_BLOCK_TAG and UNKNOWN_NETWORK', async () => {
    const tag = (await (client.send({ op: 'subscribe', id: 'a', addresses: [X], blockTag: 'pending' }), client.next())) as ErrorMessage;
    assert.deepEqual([tag.code, tag.id], ['INVALID_BLOCK_TAG', 'a']);
    const net = (await (client.send({ op: 'subscribe', id: 'a', addresses: [X], network: 'base' }), client.next())) as ErrorMessage;
    assert.deepEqual([net.code, net.id], ['UNKNOWN_NETWORK', 'a']);
    assert.match(net.detail, /"base" is not served here: use one of devnet/);
    client.send({ op: 'subscribe', id: 'by-id', addresses: [X], network: 31337 });
    const ok = await client.next();
    assert.deepEqual([ok.op, 'network' in ok && ok.network], ['subscribed', 'devnet']);
  });

  it('TOO_MANY_ADDRESSES over WATCH_MAX_ADDRESSES summed over the connection, in one message or across', async () => {
    await refused(
      { op: 'subscribe', id: 'a', addresses: [X, DEV_0, DEV_1, SEED] },
      { id: 'a', code: 'TOO_MANY_ADDRESSES', detail: 'a connection watches at most 3 addresses, got 4 in one message' },
    );
    await refused(
      { op: 'add', id: 'keep', addresses: [DEV_1, SEED] },
      { id: 'keep', code: 'TOO_MANY_ADDRESSES', detail: 'a connection watches at most 3 addresses; it watches 2 and asked for 2 more' },
    );
  });

  it('DUPLICATE_SUBSCRIPTION, UNKNOWN_SUBSCRIPTION, TOO_MANY_SUBSCRIPTIONS', async () => {
    await refused({ op: 'subscribe', id: 'keep', addresses: [X] }, { id: 'keep', code: 'DUPLICATE_SUBSCRIPTION', detail: 'subscription "keep" already exists on this connection' });
    for (const op of ['add', 'remove'] as const) {
      await refused({ op, id: 'nope', addresses: [X] }, { id: 'nope', code: 'UNKNOWN_SUBSCRIPTION', detail: 'no subscription "nope" on this connection' });
    }
    await refused({ op: 'unsubscribe', id: 'nope' }, { id: 'nope', code: 'UNKNOWN_SUBSCRIPTION', detail: 'no subscription "nope" on this connection' });
    await refused({ op: 'subscribe', id: 'third', addresses: [DEV_1] }, { id: 'third', code: 'TOO_MANY_SUBSCRIPTIONS', detail: 'a connection holds at most 2 subscriptions' });
  });

  it('RATE_LIMITED: subscribing or adding n addresses takes n tokens', async () => {
    // Burst 9: 1 (keep) + 1 (by-id) taken; 7 left. Removing and re-adding pays again.
    client.send({ op: 'unsubscribe', id: 'by-id' });
    assert.equal((await client.next()).op, 'unsubscribed');
    for (let i = 0; i < 3; i++) {
      client.send({ op: 'add', id: 'keep', addresses: [X, DEV_1] });
      assert.equal((await client.next()).op, 'added');
      client.send({ op: 'remove', id: 'keep', addresses: [X, DEV_1] });
      assert.equal((await client.next()).op, 'removed');
      client.forget('keep', [X, DEV_1]);
    }
    const m = (await (client.send({ op: 'add', id: 'keep', addresses: [X, DEV_1] }), client.next())) as ErrorMessage;
    assert.deepEqual([m.code, m.id, typeof m.retryAfterSeconds], ['RATE_LIMITED', 'keep', 'number']);
  });

  it('UPSTREAM_UNAVAILABLE when a snapshot cannot be read; the id is free again', async () => {
    const fresh = await rig.connect();
    rig.proxy.set({ fault: { kind: 'status', status: 503 }, methods: ['eth_getBalance'] });
    fresh.send({ op: 'subscribe', id: 'u', addresses: [SEED] });
    const m = (await fresh.next()) as ErrorMessage;
    rig.proxy.set({ kind: 'pass' });
    assert.deepEqual([m.op, m.code, m.id, Array.isArray(m.providers)], ['error', 'UPSTREAM_UNAVAILABLE', 'u', true]);
    await fresh.close();
  });

  it('left the first subscription as it was', async () => {
    await rig.transfer(DEV_1, DEV_0, 1n);
    const m = await client.until((x) => x.op === 'block' && x.id === 'keep');
    assert.equal(m.op, 'block');
    await client.check('keep', rig.balanceAt);
  });
});
