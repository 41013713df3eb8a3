// Fast infra test, part 2: `terraform init` from the local provider mirror and `terraform validate`
// on the synthesized stack, for the default and the TLS + S3 variant, and on every stack of a
// two-region deployment.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { synthesize, synthesizeDeployment } from './app.js';
import { loadDeployment } from './deployment-config.js';
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

const twoRegions = synthesizeDeployment(
  loadDeployment({ DEPLOY_REGIONS: 'eu-west-1,us-east-2', API_DOMAIN: 'balance.example.com', HOSTED_ZONE_ID: 'Z0123456789ABCDEFGHIJ', TF_STATE_BUCKET: 'acme-tfstate' }),
  join(workDir, 'two-regions'),
);

describe('terraform', () => {
  const cases = [
    ...variants.map((variant, i) => ({
      name: variant.name,
      dir: () => synthesize(loadStackConfig(variant.env), join(workDir, `out-${i}`)).stackDir,
    })),
    ...twoRegions.map((stack) => ({ name: `two regions: ${stack.name}`, dir: () => join(workDir, 'two-regions', stack.dir) })),
  ];
  for (const variant of cases) {
    it(`initializes from the local provider mirror and validates: ${variant.name}`, { timeout: 120_000 }, async (t) => {
      const terraform = await findTerraform();
      if (typeof terraform === 'string') return toolMissing(t, terraform);
      const stackDir = variant.dir();
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
