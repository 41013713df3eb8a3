// The Dockerfile, checked two ways. There is no Docker engine here, so the test does what the
// image does: `npm run build` on the files .dockerignore admits, a clean `npm ci --omit=dev` into a
// temporary directory holding only what the image holds, start `node dist/main.js` against a real
// upstream (anvil), probe /healthz with the image's own HEALTHCHECK command, and stop it with
// SIGTERM as ECS does.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { uwsBuild } from '../src/http/uws.js';
import { HEALTH_CHECK_COMMAND } from './constructs/health-check.js';
import { contextFiles } from './testing/docker-context.js';
import { launch, run, startServer, type Server } from './testing/processes.js';
import { toolMissing } from './testing/require-tools.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** Instructions with line continuations joined and comments dropped. */
function parse(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const instructions = parse(dockerfile);
const stages = instructions.filter((i) => i.op === 'FROM');
const runtimeIndex = instructions.lastIndexOf(stages.at(-1)!);
const runtime = instructions.slice(runtimeIndex);

function execForm(args: string): string[] {
  return JSON.parse(args.replace(/^CMD\s+/, '')) as string[];
}

describe('Dockerfile', () => {
  it('builds on node:24-trixie-slim pinned by digest in every stage, compiling on the build platform', () => {
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-trixie-slim@sha256:[0-9a-f]{64}$/m);
    assert.ok(stages.length >= 3, 'build, production dependencies, runtime');
    assert.ok(stages.every((s) => s.args.includes('${NODE_IMAGE}')));
    const build = stages.find((s) => /\bAS build$/.test(s.args));
    assert.match(build?.args ?? '', /^--platform=\$BUILDPLATFORM /);
    assert.ok(instructions.some((i) => i.op === 'RUN' && /npm ci --omit=dev\b/.test(i.args)));
    assert.ok(instructions.some((i) => i.op === 'RUN' && /npm ci\b(?!.*--omit)/.test(i.args)));
    assert.ok(instructions.some((i) => i.op === 'RUN' && i.args === 'npm run build'));
  });

  it('runs as a non-root user on files it cannot write, node as PID 1', () => {
    const user = runtime.filter((i) => i.op === 'USER').at(-1);
    assert.ok(user !== undefined && !['root', '0', '0:0'].includes(user.args), 'runtime user is not root');
    for (const copy of runtime.filter((i) => i.op === 'COPY')) {
      assert.match(copy.args, /--chown=root:root/, `${copy.args}: not writable by the runtime user`);
    }
    assert.deepEqual(execForm(runtime.find((i) => i.op === 'CMD')!.args), ['node', 'dist/main.js']);
    assert.ok(!runtime.some((i) => i.op === 'ENTRYPOINT'), 'no shell or npm wrapper in front of node');
    assert.ok(runtime.some((i) => i.op === 'ENV' && /NODE_ENV=production/.test(i.args)));
  });

  it('health-checks with the same probe as the ECS task definition', () => {
    const healthcheck = runtime.find((i) => i.op === 'HEALTHCHECK');
    assert.ok(healthcheck);
    const command = healthcheck.args.slice(healthcheck.args.indexOf('CMD '));
    assert.deepEqual(['CMD', ...execForm(command)], HEALTH_CHECK_COMMAND);
  });

  it('sends only manifests, tsconfig and src (without tests) into the build context', () => {
    const files = contextFiles(root, readFileSync(join(root, '.dockerignore'), 'utf8'));
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'src/main.ts', 'src/tsconfig.build.json']) {
      assert.ok(files.includes(needed) || !existsSync(join(root, needed)), `${needed} is in the context`);
    }
    const outside = files.filter((f) => !/^(package\.json|package-lock\.json|tsconfig\.json|src\/.*)$/.test(f));
    assert.deepEqual(outside, []);
    assert.deepEqual(files.filter((f) => f.endsWith('.test.ts')), []);
  });
});

describe('what the image does', () => {
  const work = mkdtempSync(join(tmpdir(), 'balance-api-image-'));
  const servers: Server[] = [];
  after(async () => {
    for (const server of servers) await server.stop(3000);
    rmSync(work, { recursive: true, force: true });
  });

  it('installs production dependencies cleanly, serves /healthz, and exits 0 on SIGTERM', { timeout: 240_000 }, async (t) => {
    if (!existsSync(join(root, 'src', 'main.ts'))) return toolMissing(t, 'src/main.ts does not exist yet');
    const anvilBin = anvilBinary();
    if (anvilBin === undefined) return toolMissing(t, 'the anvil binary (@foundry-rs/anvil-<os>-<arch>) is not installed');
    // The image is Node 24 with glibc 2.41 and keeps only the uWS 20.57 binary. A runtime that cannot
    // load that build (Node 20 on Debian 12) cannot stand in for it; .ci/run's Node 24 pass runs this.
    if (uwsBuild.fallback) return t.skip(`this runtime cannot load uWS 20.57 like the image (${uwsBuild.reason})`);
    const app = join(work, 'app');

    // Stage "build": `npm run build` on exactly the files .dockerignore lets into the context,
    // with the project's installed dependencies standing in for the stage's `npm ci`.
    const context = join(work, 'context');
    for (const file of contextFiles(root, readFileSync(join(root, '.dockerignore'), 'utf8'))) {
      cpSync(join(root, file), join(context, file));
    }
    symlinkSync(join(root, 'node_modules'), join(context, 'node_modules'), 'dir');
    const build = await run('npm', ['run', 'build'], { cwd: context, timeoutMs: 120_000 });
    assert.equal(build.code, 0, `npm run build in the build context failed:\n${build.stdout}${build.stderr}`);
    cpSync(join(context, 'dist'), join(app, 'dist'), { recursive: true });
    // Stage "deps": the manifests alone, a clean production install.
    cpSync(join(root, 'package.json'), join(app, 'package.json'));
    cpSync(join(root, 'package-lock.json'), join(app, 'package-lock.json'));
    cpSync(join(root, 'src', 'http', 'uws-binaries.sha256'), join(app, 'uws-binaries.sha256'));
    const install = await run(
      'npm',
      ['ci', '--omit=dev', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      { cwd: app, timeoutMs: 180_000, env: { ...process.env, npm_config_update_notifier: 'false' } },
    );
    assert.equal(install.code, 0, `npm ci --omit=dev failed:\n${install.stdout}${install.stderr}`);
    for (const devOnly of ['typescript', 'cdktf', '@foundry-rs/anvil', 'tsx']) {
      assert.ok(!existsSync(join(app, 'node_modules', devOnly)), `${devOnly} is not in the image`);
    }
    // The image's own step: keep, check (sha256) and load this platform's uWS 20.57 binary.
    const prune = instructions.find((i) => i.op === 'RUN' && i.args.includes('uWebSockets.js/binaries'));
    assert.ok(prune, 'the image prunes and loads the uWebSockets.js binary');
    const native = await run('sh', ['-c', prune.args], { cwd: app, timeoutMs: 30_000 });
    assert.equal(native.code, 0, `native uWebSockets.js does not load:\n${native.stderr}`);
    assert.match(native.stdout, /uWebSockets\.js native: node_modules\/@btc-vision\/uwebsockets\.js\/uws_linux_\w+\.node/);
    assert.match(native.stdout, /uws_linux_\w+\.node: OK/, 'sha256sum checked the kept binary');
    assert.ok(!existsSync(join(app, 'node_modules', 'uWebSockets.js', 'binaries')), 'no fallback binaries in the image');

    const { match: anvilAt } = await startServer(
      anvilBin,
      ['--port', '0', '--host', '127.0.0.1', '--chain-id', '1'],
      /Listening on ([\d.]+:\d+)/,
      { startTimeoutMs: 30_000 },
    ).then((started) => {
      servers.push(started.server);
      return started;
    });
    const port = await freePort();
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      EXPECTED_CHAIN_ID: '1',
      LOG_LEVEL: 'info',
    };

    // In production without a provider the service refuses to start rather than serve nothing.
    const unconfigured = await run(process.execPath, ['dist/main.js'], { cwd: app, env, timeoutMs: 30_000 });
    assert.equal(unconfigured.code, 1, unconfigured.stdout + unconfigured.stderr);

    const started = Date.now();
    const server = launch(process.execPath, ['dist/main.js'], {
      cwd: app,
      env: { ...env, RPC_URLS: `http://${anvilAt[1]}` },
    });
    servers.push(server);
    await waitForHealth(port, 30_000, server);
    const probe = await run(HEALTH_CHECK_COMMAND[1]!, HEALTH_CHECK_COMMAND.slice(2), {
      env: { PATH: process.env.PATH, PORT: String(port) },
      timeoutMs: 10_000,
    });
    assert.equal(probe.code, 0, `HEALTHCHECK failed: ${probe.stderr}`);
    t.diagnostic(`healthy ${Date.now() - started} ms after start`);

    const stopAt = Date.now();
    const exit = await server.stop(25_000);
    assert.deepEqual(exit, { code: 0, signal: null }, server.output());
    assert.ok(Date.now() - stopAt < 20_000, 'exits within 20 s of SIGTERM');
    assert.doesNotMatch(server.output(), /Falling back to a NodeJS implementation/, 'runs on the native uWS binary');
    assert.match(server.output(), /"msg":"uWebSockets\.js 20\.57\.0 on Node v24\./, 'says which uWS build at start-up');
  });
});

/** The platform binary itself, not the npm wrapper, so stopping it by PID stops anvil. */
function anvilBinary(): string | undefined {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  try {
    const pkg = createRequire(import.meta.url).resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
    const binary = join(dirname(pkg), 'bin', 'anvil');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

async function waitForHealth(port: number, timeoutMs: number, server: Server): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`service exited ${server.child.exitCode}:\n${server.output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`/healthz not 200 after ${timeoutMs} ms: ${last}\n${server.output()}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}
