import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../testing/start-app.js';

const run = promisify(execFile);
const cli = join(dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));

interface LintProblem {
  readonly ruleId: string;
  readonly severity: 'error' | 'warn';
  readonly message: string;
  readonly location: { pointer: string }[];
}

/** Redocly CLI's `lint` with its recommended rules on the document a running service serves. */
async function lintServed(app: TestApp, name: string): Promise<LintProblem[]> {
  const text = await fetch(`${app.baseUrl}/openapi.json`).then((r) => r.text());
  const file = join(dir, `${name}.json`);
  writeFileSync(file, text);
  const result = await run(process.execPath, [cli, 'lint', '--extends=recommended', '--format=json', file], {
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const report = JSON.parse(result.stdout) as { problems: LintProblem[] };
  return report.problems.map((p) => ({ ruleId: p.ruleId, severity: p.severity, message: p.message, location: p.location.map((l) => ({ pointer: l.pointer })) }));
}

describe('the served OpenAPI document under Redocly CLI lint (recommended rules)', () => {
  const apps: TestApp[] = [];
  before(async () => {
    apps.push(await startTestApp({}));
    apps.push(await startTestApp({ API_KEYS: 'ci:ci-key-0123456789abcdef', DOCS: 'off', PUBLIC_BASE_URL: 'https://balance.acme.test/' }));
  });
  after(async () => {
    for (const app of apps) await app.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has no errors and no warnings as configured by default', async () => {
    assert.deepEqual(await lintServed(apps[0]!, 'default'), []);
  });

  it('has no errors and no warnings with API_KEYS, DOCS=off and PUBLIC_BASE_URL', async () => {
    assert.deepEqual(await lintServed(apps[1]!, 'keys'), []);
  });
});
