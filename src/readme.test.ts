/**
 * The README is the user's manual, so it must not drift from the code: every environment variable
 * the service reads has a row in its configuration table (and every row names one it reads), every
 * error code has a row in its errors table, and every relative link in the docs resolves.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERRORS } from './errors.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(ROOT, 'README.md');
const DOCS = ['README.md', 'cdktf/README.md', 'bench/README.md', 'loadtest/README.md', 'scripts/node24-toolchain.md'];
/** Test helpers start anvil, redis-server and the app for tests; nothing there configures the service. */
const NOT_SERVICE = ['src/testing/'];

const NAME = '[A-Z][A-Z0-9_]*[A-Z0-9]';

/**
 * Variables a TypeScript source reads: `env.NAME`, `env?.NAME`, `env['NAME']`, `{ NAME } = env`,
 * and a name passed as a literal next to the env to a parsing helper (`raw(env, 'NAME')`,
 * `number(env, 'NAME', ...)`, whatever the helper is called). `env` is any identifier ending in
 * env/Env (`process.env` included).
 */
function envReads(source: string): Set<string> {
  const found = new Set<string>();
  const patterns = [
    new RegExp(`\\benv\\??\\.(${NAME})\\b`, 'gi'),
    new RegExp(`\\benv\\??\\.?\\[\\s*['"\`](${NAME})['"\`]\\s*\\]`, 'gi'),
    new RegExp(`\\w*env\\s*,\\s*['"\`](${NAME})['"\`]`, 'gi'),
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.add(match[1]!);
  for (const match of source.matchAll(/\{([^{}]*)\}\s*=\s*(?:process\.)?env\b/gi)) {
    for (const name of match[1]!.matchAll(new RegExp(`\\b(${NAME})\\b`, 'g'))) found.add(name[1]!);
  }
  // Lower-case property reads (env.length) are not variables.
  return new Set([...found].filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name)));
}

/** `${NAME:-default}` and `$NAME` in the npm scripts (npm start reads HEAP_MB this way). */
function scriptReads(scripts: Readonly<Record<string, string>>): Set<string> {
  const found = new Set<string>();
  for (const script of Object.values(scripts)) {
    for (const match of script.matchAll(new RegExp(`\\$\\{?(${NAME})`, 'g'))) found.add(match[1]!);
  }
  return found;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every variable the service reads: its sources under src/ (not tests or test helpers) and npm start. */
function variablesRead(): Map<string, string> {
  const where = new Map<string, string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const rel = relative(ROOT, file).replaceAll('\\', '/');
    if (NOT_SERVICE.some((prefix) => rel.startsWith(prefix))) continue;
    for (const name of envReads(readFileSync(file, 'utf8'))) if (!where.has(name)) where.set(name, rel);
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const start = { start: pkg.scripts.start ?? '' };
  for (const name of scriptReads(start)) if (!where.has(name)) where.set(name, 'package.json scripts.start');
  return where;
}

/** The table rows of the README section whose heading is exactly `heading`. */
function sectionRows(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  assert.notEqual(start, -1, `README has no "${heading}" section`);
  const level = heading.indexOf(' ');
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^(#+) /.exec(line);
    if (m !== null && m[1]!.length <= level) break;
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

/** Variable names in the first cell of each configuration row (`A` / `B` rows name two). */
function documentedVariables(markdown: string): Set<string> {
  const names = new Set<string>();
  for (const [first] of sectionRows(markdown, '## Configuration')) {
    for (const match of (first ?? '').matchAll(new RegExp(`\\b(${NAME})\\b`, 'g'))) names.add(match[1]!);
  }
  return names;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const match of markdown.matchAll(/^#+ (.+)$/gm)) {
    out.add(match[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replaceAll(' ', '-'));
  }
  return out;
}

describe('README configuration table', () => {
  it('finds env reads in every form the config code uses or might use', () => {
    const source = [
      "const a = env.ALPHA?.trim(); const b = env?.BRAVO; const c = process.env['CHARLIE'];",
      "raw(env, 'DELTA'); number(env, \"ECHO\", 1, rule); oneOf(env, `FOXTROT`, ['a'], 'a');",
      'const { GOLF, HOTEL: h } = process.env; env.length; env[name]; other(scoped, "INDIA");',
    ].join('\n');
    assert.deepEqual([...envReads(source)].sort(), ['ALPHA', 'BRAVO', 'CHARLIE', 'DELTA', 'ECHO', 'FOXTROT', 'GOLF', 'HOTEL']);
    assert.deepEqual([...scriptReads({ start: 'exec node --max-old-space-size=${HEAP_MB:-128} $NODE_FLAG x.ts' })].sort(), ['HEAP_MB', 'NODE_FLAG']);
  });

  it('reads the variables of the config modules, the shared cache settings included', () => {
    const read = variablesRead();
    for (const name of ['PORT', 'NODE_ENV', 'RPC_URLS', 'CACHE_TTL_SECONDS', 'REDIS_URL', 'REDIS_TIMEOUT_MS', 'HEAP_MB']) {
      assert.ok(read.has(name), `expected the scan to find ${name}; found ${[...read.keys()].join(', ')}`);
    }
  });

  it('has a row for every variable the service reads', () => {
    const documented = documentedVariables(readFileSync(README, 'utf8'));
    const missing = [...variablesRead()].filter(([name]) => !documented.has(name)).map(([name, file]) => `${name} (read in ${file})`);
    assert.deepEqual(missing, [], 'add these to the README configuration table: | `NAME` | default | meaning |');
  });

  it('names no variable the service does not read', () => {
    const read = variablesRead();
    const stale = [...documentedVariables(readFileSync(README, 'utf8'))].filter((name) => !read.has(name));
    assert.deepEqual(stale, [], 'README configuration rows for variables nothing reads');
  });
});

describe('README errors table', () => {
  it('lists every error code with its status, and no other', () => {
    const rows = sectionRows(readFileSync(README, 'utf8'), '### Errors').filter(([status]) => /^\d{3}$/.test(status ?? ''));
    const documented = new Map(rows.map(([status, code]) => [code!.replaceAll('`', ''), Number(status)]));
    const expected = new Map(Object.entries(ERRORS).map(([code, { status }]) => [code, status]));
    assert.deepEqual([...documented].sort(), [...expected].sort());
  });
});

describe('docs links', () => {
  for (const doc of DOCS) {
    it(`${doc}: every relative link resolves, anchors included`, () => {
      const path = join(ROOT, doc);
      const markdown = readFileSync(path, 'utf8');
      const broken: string[] = [];
      for (const match of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/i.test(target)) continue;
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const resolved = file === '' ? path : resolve(dirname(path), file);
        if (!existsSync(resolved)) broken.push(target);
        else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(target);
      }
      assert.deepEqual(broken, []);
    });
  }
});
