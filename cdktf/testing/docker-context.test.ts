import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isIncluded, parseDockerignore } from './docker-context.js';

describe('dockerignore rules', () => {
  const rules = parseDockerignore('# comment\n**\n!package.json\n!src/\nsrc/**/*.test.ts\n!src/keep.test.ts\n');
  const cases: Array<[string, boolean]> = [
    ['package.json', true],
    ['package-lock.json', false],
    ['node_modules/x/index.js', false],
    ['src/main.ts', true],
    ['src/http/server.ts', true],
    ['src/http/server.test.ts', false],
    ['src/a.test.ts', false],
    ['src/keep.test.ts', true],
    ['cdktf/main.ts', false],
  ];
  for (const [path, included] of cases) {
    it(`${path} -> ${included ? 'in' : 'out'}`, () => assert.equal(isIncluded(rules, path), included));
  }
});
