// Fast infra test: DEPLOY_REGIONS synthesizes one full stack per region plus a global stack; the
// JSON carries what the emulator cannot show (certificate validation, health-check status).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { synthesize, synthesizeDeployment } from './app.js';
import { loadDeployment } from './deployment-config.js';
import { loadStackConfig } from './stack-config.js';
import { readSynth, references } from './testing/synth-json.js';

const workDir = mkdtempSync(join(tmpdir(), 'balance-api-multi-'));
after(() => rmSync(workDir, { recursive: true, force: true }));
let counter = 0;
const deploy = (env: Record<string, string>) => {
  const outdir = join(workDir, `out-${counter++}`);
  const stacks = synthesizeDeployment(loadDeployment(env), outdir);
  return { outdir, stacks, doc: (name: string) => readSynth(join(outdir, 'stacks', name)) };
};
const DNS = { API_DOMAIN: 'balance.example.com', HOSTED_ZONE_ID: 'Z0123456789ABCDEFGHIJ' };
const two = deploy({ DEPLOY_REGIONS: 'eu-west-1,us-east-2', TF_STATE_BUCKET: 'acme-tfstate', ...DNS });
const global = two.doc('balance-api-global');

describe('DEPLOY_REGIONS', () => {
  it('unset or one region: the single stack, byte for byte', () => {
    for (const env of [{ AWS_REGION: 'eu-west-1' }, { DEPLOY_REGIONS: 'eu-west-1' }]) {
      const { outdir, stacks } = deploy(env);
      assert.deepEqual(stacks.map((s) => s.name), ['balance-api']);
      const single = synthesize(loadStackConfig({ AWS_REGION: 'eu-west-1' }), join(workDir, `single-${counter++}`));
      assert.equal(
        readFileSync(join(outdir, 'stacks', 'balance-api', 'cdk.tf.json'), 'utf8'),
        readFileSync(join(single.stackDir, 'cdk.tf.json'), 'utf8'),
      );
    }
  });

  it('two regions: two regional stacks with their own state, then the global one', () => {
    assert.deepEqual(two.stacks, [
      { name: 'balance-api-eu-west-1', kind: 'regional', region: 'eu-west-1', dir: 'stacks/balance-api-eu-west-1' },
      { name: 'balance-api-us-east-2', kind: 'regional', region: 'us-east-2', dir: 'stacks/balance-api-us-east-2' },
      { name: 'balance-api-global', kind: 'global', region: 'us-east-1', dir: 'stacks/balance-api-global' },
    ]);
    assert.deepEqual(JSON.parse(readFileSync(join(two.outdir, 'deploy-order.json'), 'utf8')), two.stacks);
    for (const [name, key] of [
      ['balance-api-eu-west-1', 'balance-api/eu-west-1/terraform.tfstate'],
      ['balance-api-us-east-2', 'balance-api/us-east-2/terraform.tfstate'],
      ['balance-api-global', 'balance-api/global/terraform.tfstate'],
    ] as const) {
      const backend = (two.doc(name).raw.terraform as { backend: { s3: { key: string; region: string } } }).backend.s3;
      assert.equal(backend.key, key);
      assert.equal(backend.region, 'eu-west-1', 'one state bucket, in the primary region');
    }
  });

  it('each region is the full service with its own digest parameter and region-named account-wide names', () => {
    for (const region of ['eu-west-1', 'us-east-2']) {
      const doc = two.doc(`balance-api-${region}`);
      for (const type of ['aws_vpc', 'aws_lb', 'aws_ecs_service', 'aws_codedeploy_deployment_group', 'aws_sns_topic', 'aws_cloudwatch_dashboard', 'aws_elasticache_replication_group']) {
        assert.ok(doc.resources(type).length >= 1, `${region}: ${type}`);
      }
      const provider = (doc.raw.provider as { aws: Array<{ region: string; alias?: string }> }).aws.find((p) => p.alias === undefined);
      assert.equal(provider?.region, region);
      assert.ok(doc.dataSources('aws_ssm_parameter').some((d) => d.body.name === '/int/balance-api/image_digest'), 'its own digest parameter, read in its region');
      assert.deepEqual(doc.resources('aws_iam_role').map((r) => r.body.name).sort(), [
        `balance-api-${region}-codedeploy`,
        `balance-api-${region}-execution`,
        `balance-api-${region}-task`,
      ]);
      assert.equal(doc.one('aws_cloudwatch_dashboard').body.dashboard_name, `balance-api-${region}`);
    }
  });

  it('API_DOMAIN: a certificate per region validated in the zone, HTTPS with HTTP redirected', () => {
    const doc = two.doc('balance-api-eu-west-1');
    const cert = doc.one('aws_acm_certificate');
    assert.equal(cert.body.domain_name, 'balance.example.com');
    assert.deepEqual(cert.body.subject_alternative_names, ['eu-west-1.balance.example.com']);
    assert.equal(cert.body.validation_method, 'DNS');
    const validation = doc.resources('aws_route53_record').find((r) => r.body.for_each !== undefined)!;
    assert.equal(
      validation.body.for_each,
      `\${{ for option in ${cert.address}.domain_validation_options : option.domain_name => option }}`,
      'keyed off the set itself: tolist() of it is unknown until apply',
    );
    assert.equal(validation.body.zone_id, 'Z0123456789ABCDEFGHIJ');
    assert.equal(validation.body.allow_overwrite, true);
    const validated = doc.one('aws_acm_certificate_validation');
    assert.ok(references(validated.body.certificate_arn, cert.address));
    assert.match(String(validated.body.validation_record_fqdns), new RegExp(`${validation.address}: val\\.fqdn`));
    const listeners = doc.resources('aws_lb_listener').map((l) => l.body);
    const https = listeners.filter((l) => l.protocol === 'HTTPS');
    assert.deepEqual(https.map((l) => l.port).sort(), [443, 8443]);
    for (const l of https) assert.ok(references(l.certificate_arn, validated.address), 'listeners wait for validation');
    const redirect = listeners.find((l) => l.port === 80)!;
    assert.deepEqual((redirect.default_action as Array<{ redirect: unknown }>)[0]!.redirect, { port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' });
    const regional = doc.resources('aws_route53_record').filter((r) => r.body.for_each === undefined).map((r) => r.body.name);
    assert.deepEqual(regional, ['eu-west-1.balance.example.com'], 'API_DOMAIN itself belongs to the global stack');
  });

  it('health checks on each region\'s /readyz, alarmed to an us-east-1 topic with the same subscribers', () => {
    const provider = (global.raw.provider as { aws: Array<{ region: string; alias?: string }> }).aws;
    assert.deepEqual(provider.map((p) => [p.alias ?? 'default', p.region]), [['default', 'us-east-1'], ['primary', 'eu-west-1']]);
    const checks = global.resources('aws_route53_health_check');
    assert.deepEqual(checks.map((c) => [c.body.fqdn, c.body.type, c.body.port, c.body.resource_path, c.body.request_interval, c.body.failure_threshold]), [
      ['eu-west-1.balance.example.com', 'HTTPS', 443, '/readyz', 10, 3],
      ['us-east-2.balance.example.com', 'HTTPS', 443, '/readyz', 10, 3],
    ]);
    const topic = global.one('aws_sns_topic');
    const alarms = global.resources('aws_cloudwatch_metric_alarm');
    assert.equal(alarms.length, 2);
    for (const [i, alarm] of alarms.entries()) {
      assert.equal(alarm.body.namespace, 'AWS/Route53');
      assert.equal(alarm.body.metric_name, 'HealthCheckStatus');
      assert.ok(references((alarm.body.dimensions as { HealthCheckId: string }).HealthCheckId, checks[i]!.address));
      for (const field of ['alarm_actions', 'ok_actions']) {
        assert.ok(references((alarm.body[field] as string[])[0], topic.address), `${alarm.name} ${field}`);
      }
    }
    const emails = deploy({ DEPLOY_REGIONS: 'eu-west-1,us-east-2', ALERT_EMAILS: 'oncall@example.com', ...DNS }).doc('balance-api-global');
    assert.deepEqual(emails.resources('aws_sns_topic_subscription').map((s) => [s.body.protocol, s.body.endpoint]), [['email', 'oncall@example.com']]);
  });

  it('failover records: the primary first, each aliasing its region\'s own name with its health check', () => {
    const checks = global.resources('aws_route53_health_check');
    const records = global.resources('aws_route53_record').map((r) => r.body);
    assert.deepEqual(records.map((r) => [r.name, r.set_identifier, (r.failover_routing_policy as { type: string }).type, (r.alias as { name: string }).name]), [
      ['balance.example.com', 'eu-west-1', 'PRIMARY', 'eu-west-1.balance.example.com'],
      ['balance.example.com', 'us-east-2', 'SECONDARY', 'us-east-2.balance.example.com'],
    ]);
    records.forEach((r, i) => assert.ok(references(r.health_check_id, checks[i]!.address)));
  });

  it('DNS_ROUTING=latency: one latency record per region, each with its health check', () => {
    const doc = deploy({ DEPLOY_REGIONS: 'eu-west-1,us-east-2', DNS_ROUTING: 'latency', ...DNS }).doc('balance-api-global');
    assert.deepEqual(doc.resources('aws_route53_record').map((r) => [r.body.set_identifier, r.body.latency_routing_policy, r.body.failover_routing_policy]), [
      ['eu-west-1', { region: 'eu-west-1' }, undefined],
      ['us-east-2', { region: 'us-east-2' }, undefined],
    ]);
  });

  it('three regions in failover: the secondary is a latency set over the others', () => {
    const doc = deploy({ DEPLOY_REGIONS: 'eu-west-1,us-east-2,ap-south-1', ...DNS }).doc('balance-api-global');
    assert.deepEqual(doc.resources('aws_route53_record').map((r) => [r.body.name, r.body.set_identifier, (r.body.alias as { name: string }).name]).sort(), [
      ['balance.example.com', 'eu-west-1', 'eu-west-1.balance.example.com'],
      ['balance.example.com', 'standby', 'standby.balance.example.com'],
      ['standby.balance.example.com', 'ap-south-1', 'ap-south-1.balance.example.com'],
      ['standby.balance.example.com', 'us-east-2', 'us-east-2.balance.example.com'],
    ]);
  });

  it('replicates the primary\'s ECR repository to every other region', () => {
    const replication = global.one('aws_ecr_replication_configuration').body;
    assert.equal(replication.provider, 'aws.primary');
    assert.deepEqual((replication.replication_configuration as { rule: unknown[] }).rule, [
      {
        destination: [{ region: 'us-east-2', registry_id: '${data.aws_caller_identity.account.account_id}' }],
        repository_filter: [{ filter: 'balance-api', filter_type: 'PREFIX_MATCH' }],
      },
    ]);
  });

  it('refuses what several regions cannot use, naming the variable', () => {
    const regions = { DEPLOY_REGIONS: 'eu-west-1,us-east-2' };
    assert.throws(() => loadDeployment(regions), /several DEPLOY_REGIONS need API_DOMAIN and HOSTED_ZONE_ID/);
    assert.throws(() => loadDeployment({ ...regions, ...DNS, CERTIFICATE_ARN: 'arn:aws:acm:x' }), /CERTIFICATE_ARN is one region's certificate/);
    assert.throws(() => loadDeployment({ ...regions, ...DNS, TF_STATE_KEY: 'k' }), /TF_STATE_KEY names one state/);
    assert.throws(() => loadDeployment({ ...regions, ...DNS, DNS_ROUTING: 'geo' }), /DNS_ROUTING must be failover or latency, got "geo"/);
    assert.throws(() => loadDeployment({ DEPLOY_REGIONS: 'eu-west-1,EU' }), /DEPLOY_REGIONS must list AWS regions like eu-west-1, got "EU"/);
    assert.throws(() => loadDeployment({ AWS_REGION: 'eu-west-1', API_DOMAIN: 'balance.example.com' }), /API_DOMAIN and HOSTED_ZONE_ID must be set together/);
    assert.throws(() => loadDeployment({ AWS_REGION: 'eu-west-1', API_DOMAIN: 'Balance', HOSTED_ZONE_ID: 'Z1' }), /API_DOMAIN must be a lowercase DNS name/);
  });
});
