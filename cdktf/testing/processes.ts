// Child processes for infra tests: run-to-completion with a deadline, and long-running servers
// that are stopped by PID (SIGTERM, then SIGKILL after a grace period). Nothing is killed by name.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

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
            stopPid(child);
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
  /** Everything written so far to stdout and stderr. */
  output(): string;
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns a long-running process without waiting for it; stop it with `stop()`. */
export function launch(command: string, args: readonly string[], options: SpawnOptions = {}): Server {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.on('close', (code, signal) => done({ code, signal }));
  });
  child.on('error', (error) => {
    output += `\n[spawn failed: ${error.message}]`;
  });
  return {
    child,
    get pid() {
      return child.pid ?? -1;
    },
    output: () => output,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return exited;
      stopPid(child, graceMs);
      return exited;
    },
  };
}

/** Starts a long-running process and resolves once `ready` matches its output. */
export function startServer(
  command: string,
  args: readonly string[],
  ready: RegExp,
  options: SpawnOptions & { readonly startTimeoutMs?: number } = {},
): Promise<{ server: Server; match: RegExpMatchArray }> {
  const server = launch(command, args, options);
  const timeoutMs = options.startTimeoutMs ?? 30000;
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
        resolve({ server, match });
      }
    };
    server.child.stdout?.on('data', check);
    server.child.stderr?.on('data', check);
    server.child.on('close', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
  });
}

function stopPid(child: ChildProcess, graceMs = 5000): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGTERM');
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
