/**
 * The uWS build choice and what it writes: the newer build where it can load, the fallback (and the
 * reason) where it cannot, no `uWebSockets: 20` header on any response of either build, and no
 * other module loading uWS by package name.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startApp, type App } from '../app.js';
import { SEED_ADDRESS, seedDevnet, startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { rawRequest, type RawResponse } from '../testing/raw-http.js';
import { loadFailure, logUwsBuild, uws, uwsBuild } from './uws.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function glibc(): [number, number] | undefined {
  const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
  const match = /^(\d+)\.(\d+)/.exec(header.glibcVersionRuntime ?? '');
  return match === null ? undefined : [Number(match[1]), Number(match[2])];
}

describe('uWS build choice', () => {
  it('takes 20.57 where glibc is 2.38 or newer, else 20.30 with the reason', () => {
    const version = glibc();
    const binary = `uws_linux_x64_${process.versions.modules}.node`;
    if (process.platform === 'linux' && process.arch === 'x64' && version !== undefined) {
      const newEnough = version[0] > 2 || (version[0] === 2 && version[1] >= 38);
      if (newEnough) {
        assert.deepEqual(uwsBuild, {
          version: '20.57.0',
          package: '@btc-vision/uwebsockets.js',
          binary,
          node: process.version,
          fallback: false,
          reason: `20.57.0 loads on Node ${process.version} with glibc ${version.join('.')}`,
        });
      } else {
        assert.deepEqual(uwsBuild, {
          version: '20.30.0',
          package: '@trufflesuite/uws-js-unofficial@20.30.0-unofficial.0 (as uWebSockets.js)',
          binary,
          node: process.version,
          fallback: true,
          reason: `20.57.0 does not load: its binary needs GLIBC_2.38, this system has glibc ${version.join('.')}`,
        });
      }
    }
    assert.equal(typeof uws.App, 'function');
  });

  it('names the cause of a load failure: a missing glibc version, a missing binary, else the last line', () => {
    const glibcError = new Error(
      "This version of uWS.js ...\n\nError: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found (required by /x/uws_linux_x64_115.node)",
    );
    assert.match(loadFailure(glibcError), /^its binary needs GLIBC_2\.38, this system has glibc \S+$/);
    assert.match(loadFailure(new Error("Cannot find module '/x/binaries/uws_linux_x64_137.node'")), /^no binary uws_/);
    assert.equal(loadFailure(new Error('first\n\nError: second')), 'second');
  });

  it('logs one start-up line: which build, which Node, why', () => {
    const lines: Record<string, unknown>[] = [];
    logUwsBuild(createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) }));
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line!.level, uwsBuild.fallback ? 40 : 30);
    assert.equal(line!.uws, uwsBuild.version);
    assert.equal(line!.node, process.version);
    assert.equal(line!.reason, uwsBuild.reason);
    assert.match(String(line!.msg), new RegExp(`^uWebSockets\\.js ${uwsBuild.version.replace(/\./g, '\\.')}`));
  });

  it('is the only module that imports uWS by package name', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name === 'cdktf.out' || name === 'dist') continue;
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|mts|js|mjs)$/.test(name) && !path.endsWith(join('src', 'http', 'uws.ts'))) {
          const text = readFileSync(path, 'utf8');
          if (/from\s+['"](uWebSockets\.js|@btc-vision\/uwebsockets\.js)['"]|require\(\s*['"](uWebSockets\.js|@btc-vision\/uwebsockets\.js)/.test(text)) {
            offenders.push(relative(root, path));
          }
        }
      }
    };
    for (const dir of ['src', 'bench', 'cdktf', 'loadtest']) walk(join(root, dir));
    assert.deepEqual(offenders, []);
  });
});

describe('response headers', () => {
  let node: AnvilNode;
  let app: App;
  before(async () => {
    node = await startAnvil({ chainId: 1 });
    await seedDevnet(node);
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', RPC_URLS: node.url, EXPECTED_CHAIN_ID: '1' });
    app = await startApp(config, createLogger('silent'));
  });
  after(async () => {
    await app?.shutdown();
    await node?.stop();
  });

  it('never carry a uWebSockets header, whatever the route or status', async () => {
    const requests: [string, number][] = [
      [`GET /address/balance/${SEED_ADDRESS} HTTP/1.1\r\nHost: x\r\n\r\n`, 200],
      [`GET /address/balance/${SEED_ADDRESS.toLowerCase()} HTTP/1.1\r\nHost: x\r\n\r\n`, 400],
      ['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 200],
      ['GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n', 404],
      [`POST /address/balance/${SEED_ADDRESS} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`, 405],
    ];
    for (const [request, status] of requests) {
      const res = (await rawRequest(app.port, request)) as RawResponse;
      assert.equal(res.status, status, request);
      assert.deepEqual(
        Object.keys(res.headers).filter((name) => name.startsWith('uwebsockets')),
        [],
        `${request.split('\r\n')[0]}: ${JSON.stringify(res.headers)}`,
      );
    }
  });
});
