/**
 * The service as a process, the way `npm start` runs it: local-chain default, production refusal,
 * config errors, SIGTERM drain, and no secret in any log line.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { startAnvil, seedDevnet } from './dev/local-devnet.js';
import { startFaultProxy } from './testing/fault-proxy.js';
import { launch } from './dev/processes.js';

const SEED = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';

interface Proc {
  readonly child: ChildProcess;
  output(): string;
  exit: Promise<number | null>;
  /** Resolves with the port once the service logs that it listens. */
  listening: Promise<number>;
}

function run(command: string, args: string[], env: Record<string, string>): Proc {
  const server = launch(command, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', HOST: '127.0.0.1', ...env },
  });
  const { child } = server;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    const onData = () => {
      const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(server.output());
      if (match !== null) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exit.then((code) => reject(new Error(`exited ${code} before listening:\n${server.output()}`)));
  });
  listening.catch(() => undefined);
  return { child, output: server.output, exit, listening };
}

const service = (env: Record<string, string>) => run(process.execPath, ['--import', 'tsx', 'src/main.ts'], env);

describe('the service process', () => {
  it('`npm start` with no provider serves the seeded local devnet and exits 0 on SIGTERM', async () => {
    const proc = run('npm', ['start', '--silent'], {});
    try {
      const port = await proc.listening;
      const res = await fetch(`http://127.0.0.1:${port}/address/balance/${SEED}`);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(res.status, 200);
      assert.deepEqual(body, {
        address: SEED,
        network: 'devnet',
        chainId: 31337,
        blockTag: 'latest',
        balance: '0.0001365',
        balanceWei: '136500000000000',
        rpcLatencyMs: body.rpcLatencyMs,
        headBlockNumber: '0x1',
        blockNumber: '0x1',
        blockHash: body.blockHash,
        verified: false,
      });
      assert.match(String(body.blockHash), /^0x[0-9a-f]{64}$/);
      assert.match(proc.output(), /serving a local devnet/);
      proc.child.kill('SIGTERM');
      assert.equal(await proc.exit, 0);
    } finally {
      // SIGTERM, which npm passes on: a SIGKILL would end npm alone and orphan the service and its anvil.
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGTERM');
        await proc.exit;
      }
    }
  });

  it('refuses to start in production without a provider, naming the variables', async () => {
    const proc = service({ NODE_ENV: 'production' });
    assert.equal(await proc.exit, 1);
    for (const name of ['RPC_URLS', 'INFURA_PROJECT_ID', 'INFURA_URL']) assert.match(proc.output(), new RegExp(name));
  });

  it('warns at start when CACHE_MAX_ENTRIES cannot fit under the heap cap', async () => {
    const warning = /the cache bound may not fit the V8 heap/;
    // The development entry (npm start's): without a provider it serves a local devnet.
    const small = run(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', 'src/dev/main.ts'], { CACHE_MAX_ENTRIES: '1000' });
    const large = run(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', 'src/dev/main.ts'], { CACHE_MAX_ENTRIES: '1000000' });
    try {
      await Promise.all([small.listening, large.listening]);
      assert.match(large.output(), warning);
      assert.doesNotMatch(small.output(), warning);
    } finally {
      small.child.kill('SIGTERM');
      large.child.kill('SIGTERM');
      await Promise.all([small.exit, large.exit]);
    }
  });

  it('the production entry never starts a local chain: without a provider it refuses, pointing at npm start', async () => {
    const proc = service({});
    assert.equal(await proc.exit, 1);
    assert.match(proc.output(), /no upstream provider: set one of RPC_URLS.*npm start serves a local devnet/);
    assert.doesNotMatch(proc.output(), /serving a local devnet/);
  });

  it('exits 1 on a bad variable, naming it and the value', async () => {
    const proc = service({ CACHE_TTL_SECONDS: 'abc' });
    assert.equal(await proc.exit, 1);
    assert.match(proc.output(), /CACHE_TTL_SECONDS must be a non-negative number, got "abc"/);
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const node = await startAnvil({ chainId: 1 });
    await seedDevnet(node);
    const proxy = await startFaultProxy(node.url);
    const proc = service({ RPC_URLS: proxy.url, EXPECTED_CHAIN_ID: '1', LOG_LEVEL: 'info' });
    try {
      const port = await proc.listening;
      proxy.set({ fault: { kind: 'delay', ms: 700 }, methods: ['eth_getBalance'] });
      const pending = fetch(`http://127.0.0.1:${port}/address/balance/${SEED}`);
      await new Promise((r) => setTimeout(r, 200));
      proc.child.kill('SIGTERM');
      const res = await pending;
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { balanceWei: string }).balanceWei, '136500000000000');
      assert.equal(await proc.exit, 0);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
    } finally {
      proc.child.kill('SIGKILL');
      await proxy.close();
      await node.stop();
    }
  });

  it('keeps provider secrets out of logs and error bodies', async () => {
    const node = await startAnvil({ chainId: 1 });
    const proxy = await startFaultProxy(node.url);
    const key = 'abcdef0123456789abcdef0123456789';
    const url = new URL(proxy.url);
    const proc = service({
      RPC_URLS: `http://user:hunter2secret@${url.host}/v3/${key}?token=querytoken123`,
      INFURA_PROJECT_SECRET: 'infurasecretvalue',
      EXPECTED_CHAIN_ID: '1',
      UPSTREAM_TIMEOUT_MS: '300',
      LOG_LEVEL: 'debug',
    });
    try {
      const port = await proc.listening;
      proxy.set({ kind: 'status', status: 500 });
      const res = await fetch(`http://127.0.0.1:${port}/address/balance/${SEED}`);
      const body = await res.text();
      const providers = await (await fetch(`http://127.0.0.1:${port}/providers`)).text();
      proc.child.kill('SIGTERM');
      await proc.exit;
      assert.equal(res.status, 502);
      for (const secret of [key, 'hunter2secret', 'querytoken123', 'infurasecretvalue']) {
        assert.ok(!proc.output().includes(secret), `log leaks ${secret}`);
        assert.ok(!body.includes(secret), `body leaks ${secret}`);
        assert.ok(!providers.includes(secret), `/providers leaks ${secret}`);
      }
    } finally {
      proc.child.kill('SIGKILL');
      await proxy.close();
      await node.stop();
    }
  });
});
