/**
 * npm start's local chains: one seeded anvil per network no provider serves, on that network's
 * chain id, reached through the config's own provider variables, and gone after stop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { serveLocally, type LocalChains } from '../run-service.js';
import { startLocalChains } from './local-chain.js';
import { SEED_ADDRESS, SEED_BALANCE_WEI, startAnvil } from './local-devnet.js';
import { launch } from './processes.js';

const log = createLogger('silent');

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return ((await res.json()) as { result: unknown }).result;
}

function served(env: Record<string, string>): Promise<{ config: Config; local: LocalChains | undefined }> {
  return serveLocally(env, loadConfig(env), (networks) => startLocalChains(log, networks));
}

/** Each network's providers as (name, provider name), and the chain id and seed balance its URL answers. */
async function answers(config: Config): Promise<Record<string, { provider: string; chainId: unknown; seedWei: bigint }>> {
  const entries = await Promise.all(
    (config.networks ?? []).map(async (network) => {
      assert.equal(network.providers.length, 1, `${network.name} has one provider`);
      const [provider] = network.providers;
      const chainId = await rpc(provider!.url, 'eth_chainId');
      const seedWei = BigInt((await rpc(provider!.url, 'eth_getBalance', [SEED_ADDRESS, 'latest'])) as string);
      return [network.name, { provider: provider!.name, chainId, seedWei }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

describe('local chains', () => {
  it('starts one seeded anvil per network on its chain id, each network reading its own through RPC_URLS_<NAME>', async () => {
    const { config, local } = await served({ NETWORKS: 'mainnet,base' });
    assert.ok(local !== undefined);
    try {
      assert.deepEqual(Object.keys(local.env).sort(), ['RPC_URLS_BASE', 'RPC_URLS_MAINNET']);
      assert.deepEqual(await answers(config), {
        mainnet: { provider: 'local-anvil', chainId: '0x1', seedWei: SEED_BALANCE_WEI },
        base: { provider: 'local-anvil', chainId: '0x2105', seedWei: SEED_BALANCE_WEI },
      });
      assert.deepEqual(config.providers, config.networks![0]!.providers, 'the default network is mainnet');
      assert.equal(config.expectedChainId, 1);
    } finally {
      await local.stop();
    }
    for (const network of config.networks!) {
      await assert.rejects(rpc(network.providers[0]!.url, 'eth_chainId'), `${network.name}'s anvil is gone after stop`);
    }
  });

  it('serves only the networks without a provider, and leaves the configured ones as they are', async () => {
    const mainnet = await startAnvil({ chainId: 1 });
    try {
      const { config, local } = await served({ NETWORKS: 'mainnet,arbitrum', RPC_URLS: `upstream=${mainnet.url}` });
      assert.ok(local !== undefined);
      try {
        assert.deepEqual(Object.keys(local.env), ['RPC_URLS_ARBITRUM']);
        const [first, second] = config.networks!;
        assert.deepEqual(first!.providers.map((p) => p.name), ['upstream']);
        assert.equal(await rpc(second!.providers[0]!.url, 'eth_chainId'), '0xa4b1');
      } finally {
        await local.stop();
      }
    } finally {
      await mainnet.stop();
    }
  });

  it("without NETWORKS starts today's devnet: one anvil on its own chain id behind RPC_URLS", async () => {
    const { config, local } = await served({});
    assert.ok(local !== undefined);
    try {
      assert.deepEqual(Object.keys(local.env), ['RPC_URLS']);
      assert.equal(config.networks, undefined);
      assert.deepEqual(config.providers.map((p) => p.name), ['local-anvil']);
      assert.equal(await rpc(config.providers[0]!.url, 'eth_chainId'), '0x7a69');
      assert.equal(BigInt((await rpc(config.providers[0]!.url, 'eth_getBalance', [SEED_ADDRESS, 'latest'])) as string), SEED_BALANCE_WEI);
    } finally {
      await local.stop();
    }
  });

  it('starts nothing when every network has a provider', async () => {
    const { local } = await served({ NETWORKS: 'base', RPC_URLS_BASE: 'http://127.0.0.1:1' });
    assert.equal(local, undefined);
  });
});

/** `npm start`'s entry as a process; the anvil URLs it logs as it starts them. */
function startDev(env: Record<string, string>) {
  const server = launch(process.execPath, ['--import', 'tsx', 'src/dev/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', HOST: '127.0.0.1', ...env },
  });
  const exit = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
  const logged = (pattern: RegExp, count: number) =>
    new Promise<RegExpMatchArray[]>((resolve, reject) => {
      const check = () => {
        const matches = [...server.output().matchAll(pattern)];
        if (matches.length >= count) resolve(matches);
      };
      server.child.stdout!.on('data', check);
      server.child.stderr!.on('data', check);
      void exit.then((code) => reject(new Error(`exited ${code}:\n${server.output()}`)));
    });
  const anvilUrls = (count: number) =>
    logged(/"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*serving a local devnet/g, count).then((ms) => ms.map((m) => m[1]!));
  return { server, exit, logged, anvilUrls };
}

describe('npm start stopping', () => {
  it('stops its anvil on SIGTERM even while still starting, and exits 0', async () => {
    const dev = startDev({});
    try {
      // The chain is up, the app may not be: a signal here must not leave the anvil behind.
      const [url] = await dev.anvilUrls(1);
      dev.server.child.kill('SIGTERM');
      assert.equal(await dev.exit, 0);
      await assert.rejects(rpc(url!, 'eth_chainId'), 'the anvil is gone');
    } finally {
      await dev.server.stop(1000);
    }
  });
});

describe('npm start with NETWORKS', () => {
  it('answers each network from its own seeded anvil on its chain id, and stops them all on SIGTERM', async () => {
    const dev = startDev({ NETWORKS: 'mainnet,base' });
    try {
      const urls = await dev.anvilUrls(2);
      const [, port] = (await dev.logged(/"port":(\d+)[^\n]*"msg":"listening"/g, 1))[0]!;
      const chains = Object.fromEntries(await Promise.all(urls.map(async (url) => [await rpc(url, 'eth_chainId'), url] as const)));
      assert.deepEqual(Object.keys(chains).sort(), ['0x1', '0x2105']);
      // Base's chain moves on alone: its answer must come from its own anvil, mainnet's from its own.
      await rpc(chains['0x2105']!, 'anvil_setBalance', [SEED_ADDRESS, '0x2a']);
      await rpc(chains['0x2105']!, 'anvil_mine', ['0x1']);
      const get = async (query: string) => {
        const res = await fetch(`http://127.0.0.1:${port}/address/balance/${SEED_ADDRESS}${query}`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const pick = ({ status, body }: { status: number; body: Record<string, unknown> }) => ({
        status,
        network: body.network,
        chainId: body.chainId,
        balanceWei: body.balanceWei,
        blockNumber: body.blockNumber,
      });
      assert.deepEqual(pick(await get('')), { status: 200, network: 'mainnet', chainId: 1, balanceWei: String(SEED_BALANCE_WEI), blockNumber: '0x1' });
      // Pinned by hash (the head may still be the one read at start): only base's anvil has this block.
      const block = (await rpc(chains['0x2105']!, 'eth_getBlockByNumber', ['latest', false])) as { hash: string };
      assert.deepEqual(pick(await get(`?network=8453&blockTag=${block.hash}`)), { status: 200, network: 'base', chainId: 8453, balanceWei: '42', blockNumber: '0x2' });
      const { status, network, chainId } = pick(await get('?network=base'));
      assert.deepEqual({ status, network, chainId }, { status: 200, network: 'base', chainId: 8453 });
      dev.server.child.kill('SIGTERM');
      assert.equal(await dev.exit, 0);
      for (const url of urls) await assert.rejects(rpc(url, 'eth_chainId'), `${url} is gone`);
    } finally {
      await dev.server.stop(1000);
    }
  });
});
