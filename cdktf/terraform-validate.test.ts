// Fast infra test, part 2: `terraform init` from the local provider mirror and `terraform validate`
// on the synthesized stack, for the default and the TLS + S3 variant.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { synthesize } from './app.js';
import { loadStackConfig } from './stack-config.js';
import { toolMissing } from './testing/require-tools.js';
import { expectOk, findTerraform } from './testing/terraform.js';

const workDir = mkdtempSync(join(tmpdir(), 'balance-api-validate-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

const variants = [
  { name: 'default (HTTP, local state)', env: { AWS_REGION: 'eu-west-1' } },
  {
    name: 'TLS with S3 state',
    env: {
      AWS_REGION: 'eu-west-1',
      TF_STATE_BUCKET: 'acme-tfstate',
      CERTIFICATE_ARN: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      TEST_LISTENER_ALLOW_CIDRS: '203.0.113.7/32',
    },
  },
];

describe('terraform', () => {
  for (const [i, variant] of variants.entries()) {
    it(`initializes from the local provider mirror and validates: ${variant.name}`, { timeout: 120_000 }, async (t) => {
      const terraform = await findTerraform();
      if (typeof terraform === 'string') return toolMissing(t, terraform);
      const { stackDir } = synthesize(loadStackConfig(variant.env), join(workDir, `out-${i}`));
      // -backend=false: validation needs the provider, not the (possibly unreachable) state.
      expectOk(
        'terraform init',
        await terraform.run(['init', '-backend=false', '-no-color', '-input=false'], { cwd: stackDir, timeoutMs: 90_000 }),
      );
      const validate = await terraform.run(['validate', '-json', '-no-color'], { cwd: stackDir, timeoutMs: 60_000 });
      const report = JSON.parse(validate.stdout) as { valid: boolean; warning_count: number; diagnostics: unknown[] };
      assert.equal(report.valid, true, JSON.stringify(report.diagnostics, null, 2));
      assert.equal(report.warning_count, 0, JSON.stringify(report.diagnostics, null, 2));
    });
  }
});
