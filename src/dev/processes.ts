/**
 * The one way tests, benchmarks, `npm start`'s local chain and the infrastructure tests run child
 * processes: run-to-completion with a deadline (`run`), and long-running servers (`launch`,
 * `startServer`: ready when their output matches) stopped by PID: SIGTERM, then SIGKILL after a
 * grace period (`stopChild`). Nothing is ever killed by name.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Output kept per server (the tail): enough for error messages, bounded for chatty servers. */
const MAX_OUTPUT_CHARS = 1 << 20;

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Echo output as it arrives (long terraform runs), prefixed. */
  readonly echo?: string;
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (options.echo !== undefined) echo(options.echo, chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk;
      if (options.echo !== undefined) echo(options.echo, chunk);
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\n[killed after ${options.timeoutMs} ms]`;
            stopChild(child);
          }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function echo(prefix: string, chunk: Buffer): void {
  for (const line of chunk.toString().split('\n')) {
    if (line.trim() !== '') process.stderr.write(`${prefix} ${line}\n`);
  }
}

export interface Server {
  readonly child: ChildProcess;
  readonly pid: number;
  /** What it wrote to stdout and stderr (the last MiB; nothing after ready with `quietAfterReady`). */
  output(): string;
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops collecting output (a chatty server must not cost its parent CPU and memory). */
  quiet(): void;
}

export interface LaunchOptions extends SpawnOptions {
  /** Kill it (SIGKILL) if this process exits first, however it exits. */
  readonly reap?: boolean;
}

/** Spawns a long-running process without waiting for it; stop it with `stop()`. */
export function launch(command: string, args: readonly string[], options: LaunchOptions = {}): Server {
  const { reap = false, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk;
    if (output.length > MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS / 2);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.on('close', (code, signal) => done({ code, signal }));
  });
  child.on('error', (error) => {
    output += `\n[spawn failed: ${error.message}]`;
  });
  if (reap) {
    // A server must not outlive its owner: however the owner exits (process.exit, a crash, a test
    // runner tearing down), take it along.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.removeListener('exit', kill));
  }
  return {
    child,
    get pid() {
      return child.pid ?? -1;
    },
    output: () => output,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return exited;
      stopChild(child, graceMs);
      return exited;
    },
    quiet() {
      child.stdout?.removeListener('data', collect);
      child.stderr?.removeListener('data', collect);
      child.stdout?.resume();
      child.stderr?.resume();
    },
  };
}

export interface StartOptions extends LaunchOptions {
  readonly startTimeoutMs?: number;
  /** Stop collecting its output once ready (anvil logs every call). */
  readonly quietAfterReady?: boolean;
}

/** Starts a long-running process and resolves once `ready` matches its output. */
export function startServer(
  command: string,
  args: readonly string[],
  ready: RegExp,
  options: StartOptions = {},
): Promise<{ server: Server; match: RegExpMatchArray }> {
  const { startTimeoutMs, quietAfterReady = false, ...launchOptions } = options;
  const server = launch(command, args, launchOptions);
  const timeoutMs = startTimeoutMs ?? 30000;
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    function fail(why: string): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void server.stop(1000).then(() => reject(new Error(`${command} ${why}:\n${server.output()}`)));
    }
    const check = () => {
      const match = server.output().match(ready);
      if (match !== null && !settled) {
        settled = true;
        clearTimeout(timer);
        server.child.stdout?.removeListener('data', check);
        server.child.stderr?.removeListener('data', check);
        if (quietAfterReady) server.quiet();
        resolve({ server, match });
      }
    };
    server.child.stdout?.on('data', check);
    server.child.stderr?.on('data', check);
    server.child.on('close', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
  });
}

/** SIGTERM by PID, SIGKILL after `graceMs` unless it has gone (`gracefully` replaces the SIGTERM, e.g. an IPC "stop"). */
export function stopChild(child: ChildProcess, graceMs = 5000, gracefully?: () => void): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    if (gracefully === undefined) process.kill(pid, 'SIGTERM');
    else gracefully();
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, graceMs);
  timer.unref();
  child.once('close', () => clearTimeout(timer));
}
