/**
 * GET /watch: a consumer that stops reading is closed with 1013 by our own buffered-amount check
 * (uWS would drop sends past its own limit, the close frame too), and can resubscribe.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWatchRig, type WatchRig } from '../testing/watch-rig.js';

describe('GET /watch: a slow consumer', () => {
  let rig: WatchRig;
  before(async () => {
    rig = await startWatchRig({ WATCH_MAX_ADDRESSES: '1000000', WATCH_MAX_SUBSCRIPTIONS: '64', WATCH_MAX_BACKPRESSURE_BYTES: '65536', ADDRESS_CHECKSUM: 'lenient', UPSTREAM_BATCH_MAX: '1000' });
  });
  after(() => rig?.stop());

  // The timeout turns a regression (the close never coming) into a failure instead of a hung run.
  it('is closed with 1013 once more than WATCH_MAX_BACKPRESSURE_BYTES wait, and resubscribes', { timeout: 120_000 }, async () => {
    const client = await rig.connect();
    const addresses = Array.from({ length: 10_000 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`);
    // Stop reading: the kernel buffers fill (a paused reader's receive buffer stays small; the
    // sender's grows to tcp_wmem's 4 MB), then uWS buffers, then our check closes it. 16 snapshots
    // of ~0.8 MB are well past that, and few enough to be sent within the 8 s idle timeout that a
    // reader not answering pings meets (WATCH_IDLE_TIMEOUT_SECONDS) even on a loaded machine.
    (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    for (let i = 0; i < 16; i++) client.send({ op: 'subscribe', id: `s${i}`, addresses });
    while ((await rig.metric('balance_api_watch_slow_consumer_closes_total')) === 0) await new Promise((r) => setTimeout(r, 20));
    (client.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await client.closed;
    assert.equal(closed.code, 1013);
    assert.match(closed.reason, /resubscribe/);
    const again = await rig.connect();
    again.send({ op: 'subscribe', id: 's0', addresses: addresses.slice(0, 3) });
    assert.equal((await again.next()).op, 'subscribed');
    await again.close();
  });
});

