/**
 * A liar's episode as the router records it, over real anvil nodes: caught on a head it reports,
 * one warning line however often it lies again, untrusted on /providers' snapshot with the
 * cool-down left, out of verified reads, and back once UNTRUSTED_COOLDOWN_SECONDS has passed and
 * it answers honestly.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../config/config.js';
import { ProviderRouter } from '../router/provider-router.js';
import { startCluster, WATCHED, type AnvilCluster } from '../testing/anvil-cluster.js';
import { startFaultProxy, type FaultProxy } from '../testing/fault-proxy.js';
import { eventually } from '../testing/router-fixture.js';

let cluster: AnvilCluster;
let proxies: FaultProxy[];
let router: ProviderRouter;
const lines: { level: number; msg: string; provider?: string; err?: string }[] = [];

before(async () => {
  cluster = await startCluster({ synced: 3 });
  proxies = await Promise.all(cluster.synced.map((n) => startFaultProxy(n.url)));
  const config = loadConfig({
    RPC_URLS: proxies.map((p, i) => `${'abc'[i]}=${p.url}`).join(','),
    EXPECTED_CHAIN_ID: String(cluster.chainId),
    VERIFY_PROOFS: 'on',
    UNTRUSTED_COOLDOWN_SECONDS: '2',
    HEAD_MAX_AGE_MS: '50',
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  router = new ProviderRouter(config, pino({ level: 'info' }, sink));
  await router.start();
});
after(async () => {
  await router?.close();
  await Promise.all((proxies ?? []).map((p) => p.close()));
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stateOf = (name: string) => router.snapshot().find((p) => p.name === name)!;

describe('untrusted providers', () => {
  it('a head whose header does not hash to its hash makes its provider untrusted, logged once', async () => {
    proxies[0]!.set({ kind: 'block-hash' });
    const caught = await eventually(async () => {
      await cluster.mine();
      await sleep(60);
      await router.head().catch(() => undefined);
      return stateOf('a').state === 'untrusted';
    }, 10_000, 0);
    // Checked at once: a second episode could only start after the 2 s cool-down.
    const a = stateOf('a');
    assert.equal(caught, true);
    const warnings = lines.filter((l) => l.provider === 'a' && l.msg.includes('failed verification'));
    assert.deepEqual(
      { state: a.state, lies: a.lies, cooling: (a.retryInMs ?? 0) > 0, warnings: warnings.length, level: warnings[0]?.level },
      { state: 'untrusted', lies: 1, cooling: true, warnings: 1, level: 40 },
    );
    assert.match(warnings[0]!.err!, /header hashes to 0x[0-9a-f]{64}, not to the 0x[0-9a-f]{64} hash it claims/);
  });

  it('reads go to the others while it is untrusted', async () => {
    const head = await router.head();
    const read = await router.getVerifiedBalance(WATCHED[1]!, head);
    assert.deepEqual({ wei: read.wei, honest: read.provider !== 'a' }, { wei: cluster.balanceAt(WATCHED[1]!, head.number), honest: true });
  });

  it('is trusted again after the cool-down once it answers honestly', async () => {
    proxies[0]!.set({ kind: 'pass' });
    const back = await eventually(async () => {
      await cluster.mine();
      await router.head().catch(() => undefined);
      return stateOf('a').state === 'healthy';
    }, 10_000, 200);
    assert.equal(back, true, JSON.stringify(stateOf('a')));
  });
});
