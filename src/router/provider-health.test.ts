import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UpstreamError, type UpstreamErrorKind } from '../chain/upstream-error.js';
import { ProviderHealth } from './provider-health.js';

const fail = (kind: UpstreamErrorKind, retryAfterMs?: number) => new UpstreamError(kind, 'p', kind, retryAfterMs);

describe('ProviderHealth', () => {
  it('opens on the third failure in a row and recovers on the probe after the cooldown', () => {
    const h = new ProviderHealth();
    assert.deepEqual([1, 2, 3].map((t) => h.failed(fail('timeout'), 'timed out', t)), [undefined, undefined, 'opened']);
    assert.equal(h.circuitClosed(3), false);
    assert.equal(h.retryInMs(3), 1000);
    assert.equal(h.tryProbe(1003), true);
    assert.equal(h.answered(1003, false), 'recovered');
    assert.deepEqual({ closed: h.circuitClosed(1003), recent: h.recent(1003), errors: h.errors }, { closed: true, recent: { ok: 0, errors: 0, rateLimited: 0 }, errors: 3 });
  });

  it('cools a rate-limited provider once per episode, without touching the breaker', () => {
    const h = new ProviderHealth();
    assert.equal(h.failed(fail('rate-limited', 2000), 'HTTP 429', 0), 'cooling');
    assert.equal(h.failed(fail('rate-limited', 2000), 'HTTP 429', 10), undefined);
    assert.deepEqual({ cooling: h.cooling(1999), left: h.coolingForMs(1000), closed: h.circuitClosed(10), after: h.cooling(2010) }, { cooling: true, left: 1010, closed: true, after: false });
    assert.deepEqual(h.recent(10), { ok: 0, errors: 0, rateLimited: 1 });
  });

  const notItsFault: UpstreamErrorKind[] = ['block-not-found', 'state-unavailable', 'invalid-request', 'cancelled'];
  for (const kind of notItsFault) {
    it(`keeps its health on ${kind}, recording the message`, () => {
      const h = new ProviderHealth();
      for (let t = 0; t < 5; t++) assert.equal(h.failed(fail(kind), kind, t), undefined);
      assert.deepEqual({ closed: h.circuitClosed(5), recent: h.recent(5), lastError: h.lastError, lastErrorKind: h.lastErrorKind, errors: h.errors }, { closed: true, recent: { ok: 0, errors: 0, rateLimited: 0 }, lastError: kind, lastErrorKind: kind, errors: 5 });
    });
  }

  it('is untrusted after a lie until the given time, and says the first lie only', () => {
    const h = new ProviderHealth();
    assert.equal(h.lied('proof does not match', 0, 60_000), true);
    assert.equal(h.lied('proof does not match', 10, 30_000), false);
    assert.deepEqual({ untrusted: h.untrusted(59_999), left: h.untrustedForMs(0), after: h.untrusted(60_000), lies: h.lies, kind: h.lastErrorKind }, { untrusted: true, left: 60_000, after: false, lies: 2, kind: 'unverifiable' });
  });
});
