/**
 * The production entry (src/main.ts, what the image runs) can never start a local chain: nothing it
 * imports, however indirectly, reaches src/dev or src/testing or spawns a process, and the
 * production build leaves src/dev out.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every file and package reached from `entry` by value imports (type-only imports emit nothing). */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = match[1] ?? match[2]!;
      if (!spec.startsWith('.')) {
        packages.add(spec);
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      assert.ok(existsSync(target), `${relative(src, file)} imports ${spec}, which does not exist`);
      visit(target);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('the production root', () => {
  it('reaches nothing under src/dev or src/testing and spawns no process', () => {
    const { files, packages } = importGraph(join(src, 'main.ts'));
    const reached = [...files].map((f) => relative(src, f));
    assert.ok(reached.includes('app.ts') && reached.includes('run-service.ts'), reached.join(', '));
    assert.deepEqual(
      reached.filter((f) => f.startsWith('dev/') || f.startsWith('testing/')),
      [],
    );
    assert.deepEqual(
      [...packages].filter((p) => p === 'node:child_process' || p.startsWith('@foundry-rs/')),
      [],
    );
  });

  it('is built without src/dev, which npm start runs instead', () => {
    const build = JSON.parse(readFileSync(join(src, 'tsconfig.build.json'), 'utf8')) as { exclude: string[] };
    assert.ok(build.exclude.includes('dev'), JSON.stringify(build.exclude));
    const pkg = JSON.parse(readFileSync(join(src, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.start!, /src\/dev\/main\.ts/);
    assert.ok(importGraph(join(src, 'dev', 'main.ts')).files.has(join(src, 'dev', 'local-devnet.ts')));
  });
});
