import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyParam } from './verify-param.js';

describe('verify parameter', () => {
  const table: [string, string | undefined, boolean, boolean | undefined][] = [
    ['absent keeps the default (off)', undefined, false, false],
    ['absent keeps the default (on)', undefined, true, true],
    ['empty keeps the default', '', true, true],
    ['true overrides off', 'true', false, true],
    ['false overrides on', 'false', true, false],
    ['anything else is refused, never read as false', 'yes', true, undefined],
    ['case matters: TRUE is refused', 'TRUE', false, undefined],
  ];
  for (const [name, value, fallback, expected] of table) it(name, () => assert.equal(verifyParam(value, fallback), expected));
});
