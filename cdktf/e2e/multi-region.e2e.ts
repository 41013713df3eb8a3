// Two-region emulator end to end (`npm run test:infra-e2e`, not part of `npm test`): one moto server
// serves both regions and the global stack -> a hosted zone and each region's digest and secrets
// are seeded -> DEPLOY_REGIONS synth -> the regional stacks apply side by side (their states are
// separate), then the global stack -> the release program runs across both regions with the second
// forced to fail -> the global stack, then the regions, are destroyed.
// moto cannot model: ACM DNS validation (MOTO_ACM_VALIDATION_WAIT=0 issues certificates at once,
// whatever the zone holds) and Route53 health-check status (checks exist but never probe /readyz,
// so failover never happens here). The synth tests (multi-region.test.ts) cover the validation
// records, the health-check path and the failover policy instead.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BatchGetDeploymentsCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { synthesizeDeployment, type SynthesizedStack } from '../app.js';
import { loadDeployment } from '../deployment-config.js';
import { resourceNames, secretParameterName } from '../naming.js';
import { awsClients, type AwsClients } from '../release/aws-clients.js';
import { findEmulatorTools } from '../testing/emulator-tools.js';
import { createHostedZone, startMoto, type Moto } from '../testing/moto.js';
import { run, type RunResult } from '../testing/processes.js';
import { toolMissing } from '../testing/require-tools.js';
import { expectOk, type Terraform } from '../testing/terraform.js';

const PRIMARY = 'us-east-1';
const SECOND = 'us-west-2';
const REGIONS = [PRIMARY, SECOND] as const;
const DOMAIN = 'balance.example.com';
const RELEASE_MAIN = fileURLToPath(new URL('../release/main.ts', import.meta.url));
const names = resourceNames();
const image = (region: string, fill: string) =>
  `123456789012.dkr.ecr.${region}.amazonaws.com/balance-api@sha256:${fill.repeat(64)}`;
const INITIAL = 'a';
const NEXT = 'b';

describe('two-region emulator end to end', { timeout: 12 * 60_000 }, () => {
  let moto: Moto | undefined;
  let terraform: Terraform | undefined;
  const aws = new Map<string, AwsClients>();
  let stacks: SynthesizedStack[] = [];
  let outdir = '';
  let workDir = '';
  const applied = new Set<string>();
  let skipReason: string | undefined;

  before(async () => {
    [terraform, skipReason] = await findEmulatorTools();
    if (terraform === undefined) return;
    // The second region's copy of NEXT never gets healthy: its deployment fails, the primary's succeeds.
    moto = await startMoto({ unhealthyImages: [image(SECOND, NEXT)], env: { MOTO_ACM_VALIDATION_WAIT: '0' } });
    for (const region of REGIONS) aws.set(region, awsClients(region, moto.endpoint));
    workDir = mkdtempSync(join(tmpdir(), 'balance-api-e2e-regions-'));
  });

  const tf = (stack: SynthesizedStack, args: string[], timeoutMs = 300_000): Promise<RunResult> =>
    terraform!.run([...args, '-no-color', '-input=false'], { cwd: join(outdir, stack.dir), timeoutMs });

  const destroy = async (stack: SynthesizedStack, refresh: boolean) => {
    expectOk(
      `terraform destroy ${stack.name}`,
      await tf(stack, ['destroy', '-auto-approve', ...(refresh ? [] : ['-refresh=false'])]),
    );
    applied.delete(stack.name);
  };

  // The global stack reads nothing from the regional states, but its records name their ALBs: it
  // goes up after them and comes down before them.
  const regional = () => stacks.filter((stack) => stack.kind === 'regional');
  const global = () => stacks.filter((stack) => stack.kind === 'global');

  after(async () => {
    try {
      if (terraform !== undefined) {
        for (const stack of global().filter((s) => applied.has(s.name))) await destroy(stack, true).catch(() => {});
        await Promise.all(regional().filter((s) => applied.has(s.name)).map((s) => destroy(s, true).catch(() => {})));
      }
    } finally {
      for (const clients of aws.values()) clients.destroy();
      await moto?.stop();
      if (workDir !== '') rmSync(workDir, { recursive: true, force: true });
    }
  });

  const clients = (region: string) => aws.get(region)!;

  const liveImage = async (region: string) => {
    const { services = [] } = await clients(region).ecs.send(
      new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }),
    );
    const { taskDefinition } = await clients(region).ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: services[0]!.taskDefinition! }),
    );
    return taskDefinition?.containerDefinitions?.[0]?.image;
  };

  const deployments = async (region: string) => {
    const codedeploy = clients(region).codedeploy;
    const { deployments: ids = [] } = await codedeploy.send(
      new ListDeploymentsCommand({ applicationName: names.codeDeployApp, deploymentGroupName: names.deploymentGroup }),
    );
    if (ids.length === 0) return [];
    const { deploymentsInfo = [] } = await codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: ids }));
    return deploymentsInfo;
  };

  it('applies both regional stacks and the global stack', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    const zoneId = await createHostedZone(moto!.endpoint, DOMAIN);
    const deployment = loadDeployment({
      DEPLOY_REGIONS: REGIONS.join(','),
      API_DOMAIN: DOMAIN,
      HOSTED_ZONE_ID: zoneId,
      AWS_EMULATOR_ENDPOINT: moto!.endpoint,
      // As in emulator.e2e.ts: moto has no Chatbot API and no usable replication group.
      SHARED_CACHE: 'off',
      ALERT_EMAILS: 'oncall@example.com',
    });
    for (const config of deployment.regional) {
      const ssm = clients(config.region).ssm;
      await ssm.send(
        new PutParameterCommand({ Name: names.imageDigestParameter, Value: image(config.region, INITIAL), Type: 'String' }),
      );
      for (const secret of config.secretNames) {
        await ssm.send(
          new PutParameterCommand({
            Name: secretParameterName(config.prefix, secret),
            Value: `e2e-${secret.toLowerCase()}-0123456789abcdef`,
            Type: 'SecureString',
          }),
        );
      }
    }
    outdir = join(workDir, 'cdktf.out');
    stacks = synthesizeDeployment(deployment, outdir);
    assert.deepEqual(
      stacks.map((s) => [s.kind, s.region]),
      [['regional', PRIMARY], ['regional', SECOND], ['global', 'us-east-1']],
    );
    const up = async (stack: SynthesizedStack) => {
      expectOk(`terraform init ${stack.name}`, await tf(stack, ['init'], 120_000));
      applied.add(stack.name);
      expectOk(`terraform apply ${stack.name}`, await tf(stack, ['apply', '-auto-approve']));
    };
    // Both applies finish (or fail) before anything else touches their states.
    const settled = await Promise.allSettled(regional().map(up));
    for (const result of settled) if (result.status === 'rejected') throw result.reason;
    for (const stack of global()) await up(stack);
    for (const region of REGIONS) assert.equal(await liveImage(region), image(region, INITIAL));

    // What moto can show of the global stack: the failover records and the health checks exist.
    const route53 = async (path: string) => {
      const response = await fetch(`${moto!.endpoint}/2013-04-01/${path}`, {
        headers: {
          authorization: 'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0',
        },
      });
      const text = await response.text();
      assert.ok(response.ok, `route53 ${path}: HTTP ${response.status} ${text}`);
      return text;
    };
    const records = await route53(`hostedzone/${zoneId}/rrset`);
    const failover = [...records.matchAll(/<Failover>([A-Z]+)<\/Failover>/g)].map((m) => m[1]).sort();
    assert.deepEqual(failover, ['PRIMARY', 'SECONDARY']);
    const checks = await route53('healthcheck');
    assert.equal(checks.split('<HealthCheck>').length - 1, 2, checks);
    assert.equal([...checks.matchAll(/<ResourcePath>\/readyz<\/ResourcePath>/g)].length, 2, checks);
    // ECR speaks JSON 1.1 (no ECR SDK client in this project): the primary replicates to the second region.
    const registry = await fetch(`${moto!.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeRegistry',
        authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${PRIMARY}/ecr/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: '{}',
    });
    const replication = await registry.text();
    assert.ok(registry.ok, replication);
    assert.match(replication, new RegExp(`"region":\\s*"${SECOND}"`));
  });

  it('shows no changes on a second plan of every stack', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    for (const stack of stacks) {
      const plan = await tf(stack, ['plan', '-detailed-exitcode']);
      assert.equal(plan.code, 0, `${stack.name}: expected no changes:\n${plan.stdout}\n${plan.stderr}`);
    }
  });

  it('releases the primary, then stops at the failing second region with it rolled back', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    const result = await run(
      process.execPath,
      [
        '--no-warnings', '--import', 'tsx', RELEASE_MAIN,
        '--image', image(PRIMARY, NEXT), '--poll-seconds', '0.5', '--timeout-minutes', '2',
      ],
      {
        env: { ...process.env, DEPLOY_REGIONS: REGIONS.join(','), AWS_EMULATOR_ENDPOINT: moto!.endpoint },
        timeoutMs: 240_000,
      },
    );
    const out = result.stdout + result.stderr;
    assert.equal(result.code, 1, out);
    assert.match(result.stdout, new RegExp(`${PRIMARY}\\] .* Succeeded`));
    assert.match(
      result.stdout,
      new RegExp(`${SECOND}\\] .* Failed - ECS_UPDATE_ERROR: .*health checks.*rollback: Automatic rollback triggered by DEPLOYMENT_FAILURE`),
    );
    assert.match(result.stdout, new RegExp(`FAILED in ${SECOND}: .*released: ${PRIMARY}`));
    assert.ok(
      result.stdout.search(new RegExp(`${PRIMARY}\\] .* Succeeded`)) < result.stdout.indexOf(`${SECOND}] region 2/2`),
      'the second region starts only after the primary Succeeded',
    );

    const [primary] = await deployments(PRIMARY);
    assert.equal(primary?.status, 'Succeeded');
    const [second] = await deployments(SECOND);
    assert.equal(second?.status, 'Failed');
    assert.match(second?.rollbackInfo?.rollbackMessage ?? '', /Automatic rollback/);
    assert.equal(await liveImage(PRIMARY), image(PRIMARY, NEXT));
    assert.equal(await liveImage(SECOND), image(SECOND, INITIAL), 'the second region stays on its previous version');
    const digest = async (region: string) =>
      (await clients(region).ssm.send(new GetParameterCommand({ Name: names.imageDigestParameter }))).Parameter?.Value;
    assert.equal(await digest(PRIMARY), image(PRIMARY, NEXT));
    assert.equal(await digest(SECOND), image(SECOND, INITIAL), "the second region's SSM is restored to its live image");
  });

  it('destroys the global stack, then both regions', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    for (const stack of global()) await destroy(stack, false);
    await Promise.all(regional().map((stack) => destroy(stack, false)));
  });
});
