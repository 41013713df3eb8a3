/** The processes the HTTP harness measures: service instances, the uWS ceiling and the Python peer. */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startServer, stopChild } from '../../src/dev/processes.js';
import type { ServiceReport } from './service-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = dirname(here);

export interface Running {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export interface ServiceInstance extends Running {
  report(): Promise<ServiceReport>;
}

/**
 * What a harness has started, in order: push each process as it starts; cleanup stops them last
 * first, and runs on Ctrl-C too (exit 130), so no anvil or service outlives an interrupted run.
 */
export function startedProcesses(): { started: Running[]; cleanup: () => Promise<void> } {
  const started: Running[] = [];
  const cleanup = async () => {
    await Promise.allSettled(started.reverse().map((p) => p.stop()));
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
  return { started, cleanup };
}

/** Starts src/app.ts in a child (see service-process.ts) with the given environment. */
export function startService(name: string, env: Record<string, string>, execArgv: readonly string[] = []): Promise<ServiceInstance> {
  const child = fork(join(here, 'service-process.ts'), [], {
    execArgv: ['--import', 'tsx', ...execArgv],
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    child.once('message', (message: { type: string; report: ServiceReport }) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const report = () =>
        new Promise<ServiceReport>((res) => {
          child.once('message', (m: { report: ServiceReport }) => res(m.report));
          child.send('report');
        });
      const stop = () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          stopChild(child, 5000, () => child.send('stop'));
        });
      resolve({ name, port: message.report.port, child, report, stop });
    });
  });
}

/** Starts a command that prints "listening <port>" (ceiling) or Uvicorn's banner (peer). */
async function startListening(name: string, command: string, args: string[], env: Record<string, string>, cwd?: string): Promise<Running> {
  const { server, match } = await startServer(command, args, /listening (\d+)|Uvicorn running on http:\/\/[\d.]+:(\d+)/, {
    env: { ...process.env, ...env },
    cwd,
    quietAfterReady: true,
  }).catch((error: Error) => {
    throw new Error(`${name} did not start: ${error.message.slice(-400)}`);
  });
  return { name, port: Number(match[1] ?? match[2]), child: server.child, stop: () => server.stop().then(() => undefined) };
}

/** The bare uWS ceiling; `withHeaders`: plus the headers and checks every answer needs (ceiling.ts). */
export function startCeiling(body: string, withHeaders = false): Promise<Running> {
  return startListening(withHeaders ? 'uws-ceiling-headers' : 'uws-ceiling', process.execPath, ['--import', 'tsx', join(here, 'ceiling.ts')], {
    CEILING_BODY: body,
    CEILING_HEADERS: withHeaders ? '1' : '0',
    PORT: '0',
  });
}

export function startPassthrough(upstreamUrl: string, block: string): Promise<Running> {
  return startListening('uws-undici-passthrough', process.execPath, ['--import', 'tsx', join(here, 'passthrough.ts')], {
    UPSTREAM_URL: upstreamUrl,
    UPSTREAM_BLOCK: block,
    PORT: '0',
  });
}

const PEER_PACKAGES = ['fastapi', 'uvicorn', 'httpx', 'eth_utils', 'pycryptodome'];

/** Local wheel indexes (`simple` folders under a `pypi` folder), or PEER_PIP_INDEXES. */
function wheelIndexes(): string[] {
  const fromEnv = process.env.PEER_PIP_INDEXES?.split(',').filter((s) => s !== '');
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv;
  const found: string[] = [];
  for (const root of ['/opt', '/srv', '/usr/local/share']) {
    let names: string[] = [];
    try {
      names = readdirSync(root);
    } catch {
      continue;
    }
    for (const name of names) {
      const simple = join(root, name, 'simple');
      if (name.includes('pypi') && existsSync(simple)) found.push(simple);
    }
  }
  return found.sort();
}

/**
 * The Python interpreter of bench/.venv with the peer's packages, creating it from the local wheel
 * index if needed. Returns the reason instead when that cannot be done.
 */
export function peerPython(): { python: string } | { skipped: string } {
  const venv = join(benchDir, '.venv');
  const python = join(venv, 'bin', 'python');
  const check = () => spawnSync(python, ['-c', 'import fastapi, uvicorn, httpx, eth_utils, Crypto'], { encoding: 'utf8' });
  if (existsSync(python) && check().status === 0) return { python };
  const indexes = wheelIndexes();
  if (indexes.length === 0) return { skipped: 'no local Python wheel index found (set PEER_PIP_INDEXES)' };
  if (!existsSync(python)) {
    const made = spawnSync('python3', ['-m', 'venv', venv], { encoding: 'utf8' });
    if (made.status !== 0) return { skipped: `python3 -m venv failed: ${(made.stderr || String(made.error)).trim().slice(0, 200)}` };
  }
  const [first, ...rest] = indexes.map((dir) => `file://${dir}`);
  const pip = spawnSync(
    python,
    ['-m', 'pip', 'install', '-q', '--index-url', first!, ...rest.flatMap((i) => ['--extra-index-url', i]), ...PEER_PACKAGES],
    { encoding: 'utf8' },
  );
  if (pip.status !== 0 || check().status !== 0) return { skipped: `pip install of ${PEER_PACKAGES.join(', ')} failed: ${pip.stderr.trim().slice(-200)}` };
  return { python };
}

export function startPeer(python: string, rpcUrl: string): Promise<Running> {
  return startListening(
    'fastapi-peer',
    python,
    ['-m', 'uvicorn', 'app:app', '--host', '127.0.0.1', '--port', '0', '--log-level', 'info', '--no-access-log'],
    { RPC_URL: rpcUrl, CACHE_TTL_SECONDS: '5' },
    join(here, 'peer'),
  );
}

/** A port free right now (closed again before returning, so a small race remains). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
