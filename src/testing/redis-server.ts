/**
 * A real redis-server per test, on a free port, with the faults the shared cache must survive:
 * killed (refusing connections), hung (SIGSTOP: connections stay open, nothing answers), restarted
 * empty on the same port, and poisoned values. Never a system service.
 *
 * Where redis-server is missing, `requireRedis` skips with the reason locally and fails under CI
 * (CI=true or REQUIRE_INFRA_TOOLS=1), so CI can never pass by skipping.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const BINARY = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export function redisServerAvailable(): boolean {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 && /Redis server/.test(probe.stdout);
}

/** true when redis-server can run; otherwise skips `t` (or fails it in CI) and returns false. */
export function requireRedis(t: TestContext): boolean {
  if (redisServerAvailable()) return true;
  const reason = `${BINARY} not found (apt-get install -y redis-server)`;
  if (process.env.CI === 'true' || process.env.REQUIRE_INFRA_TOOLS === '1') assert.fail(`${reason}, and CI forbids skipping`);
  t.skip(reason);
  return false;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RedisServerOptions {
  /** requirepass: the URL then carries it (redis://:password@...). */
  readonly password?: string;
  /**
   * TLS only (rediss://localhost:port), with a throwaway CA made by openssl; `caFile` is that CA
   * (a client trusts it through NODE_EXTRA_CA_CERTS). command()/poison()/keys() speak plain TCP
   * and are not available then.
   */
  readonly tls?: boolean;
}

/** A CA and a localhost server certificate signed by it, in a temporary directory (openssl). */
export function makeTestCertificates(): { dir: string; ca: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'redis-tls-'));
  const run = (args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr ?? result.error}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=balance-api test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf']);
  return { dir, ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** With `tls`: the CA that signed the server's certificate. */
  readonly caFile: string | undefined;
  /** SIGKILL: the port refuses connections until restart(). */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open, nothing answers (a hung or swapping Redis). */
  hang(): void;
  /** SIGCONT after hang(). */
  resume(): void;
  /** A fresh, empty server on the same port (after kill(), or kills first). */
  restart(): Promise<void>;
  /** Runs one command through redis-cli-free RESP on a short-lived socket; returns the raw reply. */
  command(...args: string[]): Promise<string>;
  /** Writes `value` under `key` as is (poison: garbage, or a value for another key). */
  poison(key: string, value: string): Promise<void>;
  keys(pattern: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let stopped = false;
  const certs = options.tls === true ? makeTestCertificates() : undefined;

  const launch = async () => {
    const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    if (certs === undefined) args.push('--port', String(port));
    else args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no');
    if (options.password !== undefined) args.push('--requirepass', options.password);
    child = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    for (let i = 0; i < 200; i++) {
      if (await canConnect(port)) return;
      await sleep(10);
    }
    throw new Error(`redis-server did not listen on ${port}`);
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    await exited;
  };

  const command = (...args: string[]) => {
    if (certs !== undefined) return Promise.reject(new Error('command() speaks plain TCP; this server is TLS only'));
    const auth = options.password === undefined ? [] : [['AUTH', options.password]];
    return resp(port, [...auth, args]).then((replies) => replies[replies.length - 1]!);
  };

  await launch();
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    port,
    url: certs === undefined ? `redis://${auth}127.0.0.1:${port}` : `rediss://${auth}localhost:${port}`,
    caFile: certs?.ca,
    kill,
    hang: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    restart: async () => {
      await kill();
      if (!stopped) await launch();
    },
    command,
    poison: async (key, value) => {
      const reply = await command('SET', key, value, 'EX', '60');
      if (!reply.startsWith('+OK')) throw new Error(`poison failed: ${reply}`);
    },
    keys: async (pattern) => {
      const reply = await command('KEYS', pattern);
      return reply
        .split('\r\n')
        .filter((line, i, lines) => i > 0 && lines[i - 1]!.startsWith('$'));
    },
    stop: async () => {
      stopped = true;
      await kill();
      if (certs !== undefined) rmSync(certs.dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Sends commands as RESP arrays and returns each raw reply (enough for tests: one reply per read burst). */
function resp(port: number, commands: readonly (readonly string[])[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const payload = commands
      .map((args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
      .join('');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis command timed out'));
    }, 2000);
    socket.once('connect', () => socket.write(payload));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      const replies = splitReplies(data);
      if (replies !== undefined && replies.length >= commands.length) {
        clearTimeout(timer);
        socket.destroy();
        resolve(replies);
      }
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Splits complete top-level RESP2 replies; undefined while the last one is incomplete. */
function splitReplies(data: string): string[] | undefined {
  const out: string[] = [];
  let at = 0;
  const skip = (from: number): number | undefined => {
    const end = data.indexOf('\r\n', from);
    if (end < 0) return undefined;
    const type = data[from];
    const n = Number(data.slice(from + 1, end));
    if (type === '$') return n < 0 ? end + 2 : end + 2 + n + 2 <= data.length ? end + 2 + n + 2 : undefined;
    if (type === '*') {
      let next: number | undefined = end + 2;
      for (let i = 0; i < n && next !== undefined; i++) next = skip(next);
      return next;
    }
    return end + 2;
  };
  while (at < data.length) {
    const next = skip(at);
    if (next === undefined) return undefined;
    out.push(data.slice(at, next));
    at = next;
  }
  return out;
}

/** A TCP server that answers every byte with non-RESP garbage (something else on the Redis port). */
export async function startGarbageServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
