// Emulator end to end (about 3-4 minutes; `npm run test:infra-e2e`, not part of `npm test`):
// moto with CodeDeploy patched -> seed SSM -> synth -> terraform apply -> the alert topic, its
// subscriptions, alarm actions, dashboard and telemetry sidecar read back -> a second plan shows no
// changes -> the release program succeeds, skips the live image, and exits non-zero for a failed
// deployment, an alarm and a failed before-traffic check -> the plan is still clean -> destroy.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { synthesize } from '../app.js';
import { resourceNames, secretParameterName } from '../naming.js';
import { awsClients, type AwsClients } from '../release/aws-clients.js';
import { loadStackConfig } from '../stack-config.js';
import { findEmulatorTools } from '../testing/emulator-tools.js';
import { queryMoto, setAlarmState, startMoto, type Moto } from '../testing/moto.js';
import { run, type RunResult } from '../testing/processes.js';
import { toolMissing } from '../testing/require-tools.js';
import { expectOk, type Terraform } from '../testing/terraform.js';

const REGION = 'us-east-1';
const RELEASE_MAIN = fileURLToPath(new URL('../release/main.ts', import.meta.url));
const names = resourceNames();
const image = (fill: string) =>
  `123456789012.dkr.ecr.${REGION}.amazonaws.com/balance-api@sha256:${fill.repeat(64)}`;
const INITIAL = image('a');
const NEXT = image('b');
const UNHEALTHY = image('c');
const ALARMED = image('d');
const REJECTED = image('e');
const ALERT_EMAIL = 'oncall@example.com';
const PAGERDUTY = 'https://events.pagerduty.com/integration/e2e/enqueue';

describe('emulator end to end', { timeout: 8 * 60_000 }, () => {
  let moto: Moto | undefined;
  let terraform: Terraform | undefined;
  let aws: AwsClients | undefined;
  let stackDir = '';
  let workDir = '';
  let applied = false;
  let destroyed = false;
  let skipReason: string | undefined;

  before(async () => {
    [terraform, skipReason] = await findEmulatorTools();
    if (terraform === undefined) return;
    moto = await startMoto({ unhealthyImages: [UNHEALTHY] });
    aws = awsClients(REGION, moto.endpoint);
    workDir = mkdtempSync(join(tmpdir(), 'balance-api-e2e-'));
  });

  after(async () => {
    try {
      if (applied && !destroyed && terraform !== undefined) {
        await terraform.run(['destroy', '-auto-approve', '-no-color'], { cwd: stackDir, timeoutMs: 180_000 });
      }
    } finally {
      aws?.destroy();
      await moto?.stop();
      if (workDir !== '') rmSync(workDir, { recursive: true, force: true });
    }
  });

  const tf = (args: string[], timeoutMs = 180_000): Promise<RunResult> =>
    terraform!.run([...args, '-no-color', '-input=false'], { cwd: stackDir, timeoutMs });

  const releaseProgram = (...args: string[]): Promise<RunResult> =>
    run(
      process.execPath,
      ['--no-warnings', '--import', 'tsx', RELEASE_MAIN, '--poll-seconds', '0.5', '--timeout-minutes', '2', ...args],
      {
        env: { ...process.env, AWS_REGION: REGION, AWS_EMULATOR_ENDPOINT: moto!.endpoint },
        timeoutMs: 120_000,
      },
    );

  const taskDefinitionAddress = () => {
    const doc = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as {
      resource: Record<string, Record<string, unknown>>;
    };
    return `aws_ecs_task_definition.${Object.keys(doc.resource.aws_ecs_task_definition ?? {})[0]}`;
  };

  const ssmDigest = async () =>
    (await aws!.ssm.send(new GetParameterCommand({ Name: names.imageDigestParameter }))).Parameter?.Value;

  const liveImage = async () => {
    const { services = [] } = await aws!.ecs.send(
      new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }),
    );
    const { taskDefinition } = await aws!.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: services[0]!.taskDefinition! }),
    );
    return taskDefinition?.containerDefinitions?.[0]?.image;
  };

  const deploymentCount = async () =>
    (
      await aws!.codedeploy.send(
        new ListDeploymentsCommand({ applicationName: names.codeDeployApp, deploymentGroupName: names.deploymentGroup }),
      )
    ).deployments?.length ?? 0;

  it('applies the stack against the emulator', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    // Bootstrap, as the README describes: the digest and the provider keys exist before apply.
    await aws!.ssm.send(
      new PutParameterCommand({ Name: names.imageDigestParameter, Value: INITIAL, Type: 'String' }),
    );
    // Slack (AWS Chatbot) stays off: moto has no Chatbot API. The shared cache too: moto 5.2.1
    // creates a replication group without its member clusters, so the provider's read-back fails.
    // The fast tests assert both (observability.test.ts, shared-cache.test.ts).
    const config = loadStackConfig({
      AWS_REGION: REGION,
      AWS_EMULATOR_ENDPOINT: moto!.endpoint,
      SHARED_CACHE: 'off',
      ALERT_EMAILS: ALERT_EMAIL,
      PAGERDUTY_ENDPOINT: PAGERDUTY,
    });
    // The shared cache's AUTH token is an operator-made SecureString too (see shared-cache.ts).
    const seeded = config.sharedCache ? [...config.secretNames, 'REDIS_AUTH_TOKEN'] : config.secretNames;
    for (const secret of seeded) {
      await aws!.ssm.send(
        new PutParameterCommand({
          Name: secretParameterName(config.prefix, secret),
          Value: `e2e-${secret.toLowerCase()}-0123456789abcdef`,
          Type: 'SecureString',
        }),
      );
    }
    stackDir = synthesize(config, join(workDir, 'cdktf.out')).stackDir;
    expectOk('terraform init', await tf(['init'], 120_000));
    applied = true;
    expectOk('terraform apply', await tf(['apply', '-auto-approve'], 300_000));
    assert.ok(existsSync(join(stackDir, 'terraform.tfstate')), 'local state sits beside cdk.tf.json');
    assert.equal(await liveImage(), INITIAL);
  });

  it('routes alarms to the encrypted topic and its subscribers, with the dashboard and the telemetry sidecar', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    const output = await terraform!.run(['output', '-raw', 'alert_topic_arn'], { cwd: stackDir, timeoutMs: 60_000 });
    expectOk('terraform output', output);
    const topicArn = output.stdout.trim();
    assert.match(topicArn, /^arn:aws:sns:us-east-1:\d{12}:balance-api-alerts$/);
    const sns = { region: REGION, service: 'sns', version: '2010-03-31' };
    const attributes = await queryMoto(moto!.endpoint, sns, { Action: 'GetTopicAttributes', TopicArn: topicArn });
    assert.match(attributes, /<key>KmsMasterKeyId<\/key>\s*<value>arn:aws:kms:/);
    const subscriptions = await queryMoto(moto!.endpoint, sns, { Action: 'ListSubscriptionsByTopic', TopicArn: topicArn });
    const endpoints = subscriptions
      .split('<member>')
      .slice(1)
      .map((member) => `${/<Protocol>([^<]+)</.exec(member)?.[1]} ${/<Endpoint>([^<]+)</.exec(member)?.[1]}`)
      .sort();
    assert.deepEqual(endpoints, [`email ${ALERT_EMAIL}`, `https ${PAGERDUTY}`]);

    const cloudwatch = { region: REGION, service: 'monitoring', version: '2010-08-01' };
    const alarms = await queryMoto(moto!.endpoint, cloudwatch, { Action: 'DescribeAlarms', AlarmNamePrefix: `${names.service}-` });
    const alarmBlocks = alarms.split('<AlarmName>').slice(1);
    assert.ok(alarmBlocks.length >= 7, `${alarmBlocks.length} alarms`);
    for (const block of alarmBlocks) {
      const name = block.slice(0, block.indexOf('<'));
      for (const field of ['AlarmActions', 'OKActions']) {
        const actions = new RegExp(`<${field}>([\\s\\S]*?)</${field}>`).exec(block)?.[1] ?? '';
        assert.ok(actions.includes(topicArn), `${name} ${field} -> ${topicArn}`);
      }
    }
    const dashboard = await queryMoto(moto!.endpoint, cloudwatch, { Action: 'GetDashboard', DashboardName: names.service });
    assert.match(dashboard, /TargetResponseTime/);
    assert.match(dashboard, /balance_api_upstream_calls_total/);

    const { services = [] } = await aws!.ecs.send(
      new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }),
    );
    const { taskDefinition } = await aws!.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: services[0]!.taskDefinition! }),
    );
    assert.deepEqual(taskDefinition?.containerDefinitions?.map((c) => [c.name, c.essential]), [
      ['api', true],
      ['otel-collector', false],
    ]);
    const iam = { region: REGION, service: 'iam', version: '2010-05-08' };
    const policy = await queryMoto(moto!.endpoint, iam, { Action: 'GetRolePolicy', RoleName: `${names.service}-task`, PolicyName: 'telemetry' });
    const document = decodeURIComponent(/<PolicyDocument>([^<]+)<\/PolicyDocument>/.exec(policy)?.[1] ?? '');
    assert.match(document, /xray:PutTraceSegments/);
    assert.match(document, /logs:PutLogEvents/);
  });

  it('shows no changes on a second plan', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    const plan = await tf(['plan', '-detailed-exitcode']);
    assert.equal(plan.code, 0, `expected no changes:\n${plan.stdout}\n${plan.stderr}`);
  });

  it('releases a new digest through the test-traffic gate to Succeeded', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    const marker = join(workDir, 'gate-ran');
    const result = await releaseProgram(
      '--image',
      NEXT,
      '--before-traffic',
      `printf '%s %s' "$RELEASE_DEPLOYMENT_ID" "$RELEASE_IMAGE" > '${marker}'`,
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const out = result.stdout;
    assert.match(out, /published .*sha256:b{64} to \/int\/balance-api\/image_digest/);
    assert.match(out, /registered arn:aws:ecs:.*task-definition\/balance-api:2/);
    assert.match(out, / Ready - green is up behind the test listener/);
    assert.match(out, /before-traffic check exited 0/);
    assert.match(out, / Succeeded/);
    assert.ok(out.indexOf('before-traffic check exited 0') < out.indexOf(' Succeeded'), 'gate runs before the shift');
    const [deploymentId, gateImage] = readFileSync(marker, 'utf8').split(' ');
    assert.match(deploymentId ?? '', /^[\w-]+$/);
    assert.equal(gateImage, NEXT);
    assert.equal(await ssmDigest(), NEXT);
    assert.equal(await liveImage(), NEXT);
  });

  it('does nothing when the digest is already live', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    const before = await deploymentCount();
    const result = await releaseProgram('--image', NEXT);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /is already live; nothing to do/);
    assert.equal(await deploymentCount(), before);
    // Without --image it releases what SSM holds: the same, so again nothing.
    const fromSsm = await releaseProgram();
    assert.equal(fromSsm.code, 0, fromSsm.stdout + fromSsm.stderr);
    assert.match(fromSsm.stdout, /image from \/int\/balance-api\/image_digest: .*sha256:b{64}/);
    assert.equal(await deploymentCount(), before);
  });

  it('exits non-zero when the deployment fails, leaving the live release in place', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    const result = await releaseProgram('--image', UNHEALTHY);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, / Failed - ECS_UPDATE_ERROR: .*health checks/);
    assert.match(result.stdout, /rollback: Automatic rollback triggered by DEPLOYMENT_FAILURE/);
    assert.match(result.stdout, /FAILED: .*production stays on the previous release/);
    assert.equal(await liveImage(), NEXT);
    assert.equal(await ssmDigest(), NEXT, 'SSM is restored to the live image');
  });

  it('exits non-zero when an alarm stops the deployment', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    const alarm = `${names.service}-green-target-5xx`;
    await setAlarmState(moto!.endpoint, REGION, alarm, 'ALARM');
    try {
      const result = await releaseProgram('--image', ALARMED);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(` Stopped - ALARM_ACTIVE: .*${alarm}`));
      assert.match(result.stdout, /DEPLOYMENT_STOP_ON_ALARM/);
    } finally {
      await setAlarmState(moto!.endpoint, REGION, alarm, 'OK');
    }
    assert.equal(await liveImage(), NEXT);
  });

  it('stops with rollback when the before-traffic check fails', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    const result = await releaseProgram('--image', REJECTED, '--before-traffic', 'exit 7');
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /before-traffic check exited 7/);
    assert.match(result.stdout, /stopping with rollback: the before-traffic check failed/);
    assert.match(result.stdout, / Stopped - /);
    assert.equal(await liveImage(), NEXT);
  });

  it('leaves Terraform and the releases in agreement: the plan is still clean', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    // Releases touch the task definition family and the digest parameter; plan what reads them.
    const plan = await tf(['plan', '-detailed-exitcode', `-target=${taskDefinitionAddress()}`]);
    assert.equal(plan.code, 0, `expected no changes after releases:\n${plan.stdout}\n${plan.stderr}`);
  });

  it('destroys the stack', async (t) => {
    if (skipReason !== undefined) return toolMissing(t, skipReason);
    // The plans above just refreshed everything; skipping the refresh saves a round of reads.
    expectOk('terraform destroy', await tf(['destroy', '-auto-approve', '-refresh=false'], 180_000));
    destroyed = true;
  });
});
