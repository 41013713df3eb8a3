/**
 * A local anvil node (from npm: @foundry-rs/anvil) for `npm start` without providers and for tests.
 * Development only: outside the production build (src/tsconfig.build.json excludes src/dev).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { startServer } from './processes.js';

export interface AnvilNode {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** JSON-RPC call straight to the node (test and seeding use; not the service path). */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

export interface AnvilOptions {
  readonly chainId?: number;
  /** Extra anvil flags, e.g. ['--block-time', '1']. */
  readonly args?: readonly string[];
}

/** The platform binary shipped in @foundry-rs/anvil-<os>-<arch>. */
export function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const pkg = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
  const binary = join(dirname(pkg), 'bin', 'anvil');
  if (!existsSync(binary)) throw new Error(`anvil binary missing at ${binary}`);
  return binary;
}

export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilNode> {
  const args = ['--port', '0', '--host', '127.0.0.1', ...(options.args ?? [])];
  if (options.chainId !== undefined) args.push('--chain-id', String(options.chainId));
  // Reaped with its owner; quiet once listening (it logs every call it answers).
  const { server, match } = await startServer(anvilBinary(), args, /Listening on [\d.]+:(\d+)/, {
    startTimeoutMs: 15_000,
    reap: true,
    quietAfterReady: true,
  });
  const port = Number(match[1]);
  const url = `http://127.0.0.1:${port}`;
  let id = 0;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    });
    const reply = (await res.json()) as { result?: T; error?: { message: string } };
    if (reply.error !== undefined) throw new Error(`${method}: ${reply.error.message}`);
    return reply.result as T;
  };
  const stop = () => server.stop(2000).then(() => undefined);
  return { url, port, process: server.child, rpc, stop };
}

/** The seed example's address and balance, served by `npm start` on a fresh clone. */
export const SEED_ADDRESS = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
export const SEED_BALANCE_WEI = 136_500_000_000_000n;

export async function seedDevnet(node: AnvilNode): Promise<void> {
  await node.rpc('anvil_setBalance', [SEED_ADDRESS, `0x${SEED_BALANCE_WEI.toString(16)}`]);
  // Mine so the head block (which reads are pinned to) carries the seeded state.
  await node.rpc('anvil_mine', ['0x1']);
}
