// Infra tests skip with a reason where a tool is missing, and fail instead under
// REQUIRE_INFRA_TOOLS=1 (set by .ci/run), so CI can never pass by skipping.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

export const TOOLS_REQUIRED = process.env.REQUIRE_INFRA_TOOLS === '1';

export function toolMissing(t: TestContext, reason: string): void {
  if (TOOLS_REQUIRED) assert.fail(`${reason}, and REQUIRE_INFRA_TOOLS=1 forbids skipping`);
  t.skip(reason);
}
