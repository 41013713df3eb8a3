/**
 * The native uWS 20.57 binaries installed are the ones whose sha256 the repository records
 * (src/http/uws-binaries.sha256, sha256sum format; the Dockerfile checks the image's copy with
 * `sha256sum -c`). A changed, added or missing .node file fails here.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';

const recorded = new Map(
  readFileSync(new URL('./uws-binaries.sha256', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([0-9a-f]{64}) [ *](\S+)$/.exec(line);
      assert.ok(match, `not a sha256sum line: ${line}`);
      return [match[2]!, match[1]!] as const;
    }),
);

describe('uWS 20.57 binaries', () => {
  it('are exactly the files and hashes recorded in uws-binaries.sha256', () => {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('@btc-vision/uwebsockets.js'));
    assert.equal((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version, '20.57.0');
    const installed = new Map(
      readdirSync(dir)
        .filter((name) => name.endsWith('.node'))
        .map((name) => [name, createHash('sha256').update(readFileSync(join(dir, name))).digest('hex')] as const),
    );
    assert.ok(recorded.has('uws_linux_x64_137.node') && recorded.has('uws_linux_arm64_137.node'), 'the image binaries are recorded');
    assert.deepEqual(Object.fromEntries([...installed].sort()), Object.fromEntries([...recorded].sort()));
  });
});
