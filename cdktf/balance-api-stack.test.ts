// Fast infra test, part 1: synthesize the stack and assert, on the JSON, the properties that keep
// a deploy safe. Part 2 (terraform-validate.test.ts) runs real terraform on the same synthesis.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { references, type Json, type SynthDoc } from './testing/synth-json.js';
import { stackSynthesizer } from './testing/synth-stack.js';

const synth = stackSynthesizer('synth');

const base = synth({ AWS_REGION: 'eu-west-1' });
const doc = base.doc;

type ContainerDefinition = {
  name: string;
  image: string;
  user: string;
  readonlyRootFilesystem: boolean;
  environment: Array<{ name: string; value: string }>;
  secrets: Array<{ name: string; valueFrom: string }>;
  logConfiguration: { logDriver: string };
  healthCheck: { command: string[] };
  portMappings: Array<{ containerPort: number }>;
};

function containers(d: SynthDoc): ContainerDefinition[] {
  return JSON.parse(d.one('aws_ecs_task_definition').body.container_definitions as string) as ContainerDefinition[];
}

/** Every ingress rule as (cidr, from, to), whichever way it was written. */
function worldOpenPorts(d: SynthDoc): number[] {
  const ports: number[] = [];
  for (const { body } of d.resources('aws_vpc_security_group_ingress_rule')) {
    if (body.cidr_ipv4 === '0.0.0.0/0' || body.cidr_ipv6 === '::/0') {
      assert.equal(body.from_port, body.to_port, 'world-open rules open single ports');
      ports.push(body.from_port as number);
    }
  }
  for (const { body } of d.resources('aws_security_group')) {
    assert.equal(body.ingress, undefined, 'no inline ingress blocks: every rule is a separate, visible resource');
  }
  return [...new Set(ports)].sort((a, b) => a - b);
}

const ENDPOINT_BY_PREFIX: Array<[RegExp, string]> = [
  [/^aws_(vpc|subnet|route|internet_gateway|nat_gateway|eip|security_group|availability_zones)/, 'ec2'],
  [/^aws_lb/, 'elbv2'],
  [/^aws_cloudwatch_log_/, 'logs'],
  [/^aws_cloudwatch_/, 'cloudwatch'],
  [/^aws_appautoscaling_/, 'appautoscaling'],
  [/^aws_codedeploy_/, 'codedeploy'],
  [/^aws_ecr_/, 'ecr'],
  [/^aws_elasticache_/, 'elasticache'],
  [/^aws_ecs_/, 'ecs'],
  [/^aws_iam_/, 'iam'],
  [/^aws_kms_/, 'kms'],
  [/^aws_sns_/, 'sns'],
  [/^aws_chatbot_/, 'chatbot'],
  [/^aws_ssm_/, 'ssm'],
  [/^aws_wafv2_/, 'wafv2'],
  [/^aws_caller_identity$/, 'sts'],
];

function endpointFor(type: string): string | undefined {
  return ENDPOINT_BY_PREFIX.find(([pattern]) => pattern.test(type))?.[1];
}

describe('synthesized stack', () => {
  it('pairs blue and green target groups (ip targets, /healthz) in a CodeDeploy blue/green group', () => {
    const groups = doc.resources('aws_lb_target_group');
    assert.deepEqual(groups.map((g) => g.body.name).sort(), ['balance-api-blue', 'balance-api-green']);
    for (const { body } of groups) {
      assert.equal(body.target_type, 'ip');
      assert.equal(body.port, 3000);
      assert.deepEqual((body.health_check as Json).path, '/healthz');
    }
    const dg = doc.one('aws_codedeploy_deployment_group').body;
    assert.deepEqual(dg.deployment_style, { deployment_option: 'WITH_TRAFFIC_CONTROL', deployment_type: 'BLUE_GREEN' });
    assert.equal(dg.deployment_config_name, 'CodeDeployDefault.ECSCanary10Percent5Minutes');
    assert.deepEqual(dg.auto_rollback_configuration, {
      enabled: true,
      events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
    });
    assert.deepEqual(dg.blue_green_deployment_config, {
      deployment_ready_option: { action_on_timeout: 'STOP_DEPLOYMENT', wait_time_in_minutes: 30 },
      terminate_blue_instances_on_deployment_success: { action: 'TERMINATE', termination_wait_time_in_minutes: 15 },
    });
    const pair = (dg.load_balancer_info as Json).target_group_pair_info as Json;
    const tgNames = (pair.target_group as Json[]).map((tg) => tg.name);
    const [blue, green] = groups.sort((a, b) => String(a.body.name).localeCompare(String(b.body.name)));
    assert.ok(references(tgNames[0], blue!.address) && references(tgNames[1], green!.address));
    const listeners = Object.fromEntries(doc.resources('aws_lb_listener').map((l) => [l.body.port, l]));
    const prodArns = (pair.prod_traffic_route as Json).listener_arns as string[];
    const testArns = (pair.test_traffic_route as Json).listener_arns as string[];
    assert.ok(references(prodArns[0], listeners[80]!.address), 'production route: listener 80');
    assert.ok(references(testArns[0], listeners[8080]!.address), 'test route: listener 8080');
    assert.equal(doc.one('aws_codedeploy_app').body.compute_platform, 'ECS');
  });

  it('hands task definition, load balancer and listener actions to CodeDeploy (ignore_changes)', () => {
    const service = doc.one('aws_ecs_service').body;
    assert.deepEqual(service.deployment_controller, { type: 'CODE_DEPLOY' });
    const ignored = (service.lifecycle as Json).ignore_changes as string[];
    for (const attribute of ['task_definition', 'load_balancer', 'desired_count']) {
      assert.ok(ignored.includes(attribute), `ecs service ignores ${attribute}`);
    }
    for (const listener of doc.resources('aws_lb_listener')) {
      const forwards = (listener.body.default_action as Json[]).some((a) => a.type === 'forward');
      if (forwards) {
        assert.deepEqual((listener.body.lifecycle as Json).ignore_changes, ['default_action'], listener.address);
      }
    }
  });

  it('runs at least two Fargate tasks across both AZs in private subnets, without public IPs', () => {
    const service = doc.one('aws_ecs_service').body;
    assert.equal(service.launch_type, 'FARGATE');
    assert.ok((service.desired_count as number) >= 2);
    const network = service.network_configuration as Json;
    assert.equal(network.assign_public_ip, false);
    const privateSubnets = doc
      .resources('aws_subnet')
      .filter((s) => (s.body.tags as Json).tier === 'private')
      .map((s) => s.address);
    assert.equal(privateSubnets.length, 2);
    const subnets = network.subnets as string[];
    assert.equal(subnets.length, 2);
    subnets.forEach((subnet, i) => assert.ok(references(subnet, privateSubnets[i]!), subnet));
    const target = doc.one('aws_appautoscaling_target').body;
    assert.equal(target.min_capacity, 2);
    assert.deepEqual(doc.one('aws_ecs_cluster').body.setting, [{ name: 'containerInsights', value: 'enabled' }]);
  });

  it('wires per-target-group 5xx, p99 and unhealthy-host alarms plus ALB 5xx into the deployment group', () => {
    // The shared cache's node alarms notify people but never stop a release (shared-cache.test.ts).
    const alarms = doc.resources('aws_cloudwatch_metric_alarm').filter((a) => a.body.namespace !== 'AWS/ElastiCache');
    const metrics = alarms.map((a) => `${a.body.metric_name}:${a.body.extended_statistic ?? a.body.statistic}`).sort();
    assert.deepEqual(metrics, [
      'HTTPCode_ELB_5XX_Count:Sum',
      'HTTPCode_Target_5XX_Count:Sum',
      'HTTPCode_Target_5XX_Count:Sum',
      'TargetResponseTime:p99',
      'TargetResponseTime:p99',
      'UnHealthyHostCount:Maximum',
      'UnHealthyHostCount:Maximum',
    ]);
    for (const tg of doc.resources('aws_lb_target_group')) {
      const perGroup = alarms.filter((a) => references((a.body.dimensions as Json).TargetGroup, tg.address));
      assert.equal(perGroup.length, 3, `three alarms on ${tg.body.name}`);
    }
    const wired = (doc.one('aws_codedeploy_deployment_group').body.alarm_configuration as Json);
    assert.equal(wired.enabled, true);
    const wiredNames = wired.alarms as string[];
    assert.equal(wiredNames.length, alarms.length);
    for (const alarm of alarms) {
      assert.ok(wiredNames.some((n) => references(n, alarm.address)), `${alarm.body.alarm_name} stops deployments`);
    }
  });

  it('gives the container its keys only as ECS secrets from SSM, never as plain environment', () => {
    const [api] = containers(doc);
    assert.ok(api);
    assert.equal(api.name, 'api');
    assert.match(api.image, /^\$\{data\.aws_ssm_parameter\.[\w-]+\.insecure_value\}$/);
    const digestParam = doc.dataSources('aws_ssm_parameter').filter((p) => p.body.name !== '/int/balance-api/redis_auth_token');
    assert.equal(digestParam.length, 1);
    assert.equal(digestParam[0]!.body.name, '/int/balance-api/image_digest');
    assert.ok(api.image.includes(digestParam[0]!.address.replace(/^data\./, 'data.')));
    assert.deepEqual(api.secrets.map((s) => s.name), ['API_KEYS', 'INFURA_PROJECT_ID', 'INFURA_PROJECT_SECRET', 'REDIS_URL']);
    // REDIS_URL points at the parameter the stack writes (asserted in shared-cache.test.ts).
    for (const secret of api.secrets.filter((s) => s.name !== 'REDIS_URL')) {
      assert.match(secret.valueFrom, /^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:ssm:eu-west-1:\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}:parameter\/int\/balance-api\/[a-z_]+$/);
    }
    const plain = api.environment.map((e) => e.name);
    for (const sensitive of ['INFURA_PROJECT_ID', 'INFURA_PROJECT_IDS', 'INFURA_PROJECT_SECRET', 'API_KEYS', 'RPC_URLS', 'INFURA_URL']) {
      assert.ok(!plain.includes(sensitive), `${sensitive} is not plain environment`);
    }
    assert.deepEqual(
      Object.fromEntries(api.environment.map((e) => [e.name, e.value])),
      {
        EXPECTED_CHAIN_ID: '1',
        HOST: '0.0.0.0',
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        PORT: '3000',
        SHUTDOWN_TIMEOUT_MS: '20000',
        TRUSTED_PROXY_HOPS: '1',
      },
    );
  });

  it('hardens the container: non-root, read-only root filesystem, awslogs, health check', () => {
    const [api] = containers(doc);
    assert.ok(api);
    assert.equal(api.user, '1000:1000');
    assert.equal(api.readonlyRootFilesystem, true);
    assert.equal(api.logConfiguration.logDriver, 'awslogs');
    assert.deepEqual(api.healthCheck.command.slice(0, 3), ['CMD', 'node', '-e']);
    assert.deepEqual(api.portMappings.map((p) => p.containerPort), [3000]);
    const td = doc.one('aws_ecs_task_definition').body;
    assert.deepEqual(td.requires_compatibilities, ['FARGATE']);
    assert.equal(td.network_mode, 'awsvpc');
  });

  it('lets the execution role read exactly the secrets the task names, and the task role nothing without the sidecar', () => {
    const policy = doc
      .dataSources('aws_iam_policy_document')
      .find((p) => (p.body.statement as Json[]).some((s) => s.sid === 'OwnSecrets'));
    assert.ok(policy, 'execution role policy');
    const statements = policy.body.statement as Json[];
    const ssm = statements.filter((s) => (s.actions as string[]).some((a) => a.startsWith('ssm:')));
    assert.equal(ssm.length, 1);
    assert.deepEqual(ssm[0]!.actions, ['ssm:GetParameters']);
    const [api] = containers(doc);
    assert.deepEqual([...(ssm[0]!.resources as string[])].sort(), api!.secrets.map((s) => s.valueFrom).sort());
    for (const statement of statements) {
      if ((statement.resources as string[]).includes('*')) {
        assert.deepEqual(statement.actions, ['ecr:GetAuthorizationToken'], 'only the ECR token call is unscoped');
      }
    }
    // With the telemetry sidecar the task role has exactly its permissions (observability.test.ts).
    const { doc: bare } = synth({ AWS_REGION: 'eu-west-1', TELEMETRY_SIDECAR: 'off' });
    const task = bare.resources('aws_iam_role').find((r) => r.body.name === 'balance-api-task');
    assert.ok(task);
    const attached = [...bare.resources('aws_iam_role_policy'), ...bare.resources('aws_iam_role_policy_attachment')];
    assert.ok(!attached.some((p) => references(p.body.role, task.address)), 'task role has no policies');
  });

  it('opens nothing but 80 to the world without a certificate, and the test listener only to the VPC', () => {
    assert.deepEqual(worldOpenPorts(doc), [80]);
    const testRules = doc
      .resources('aws_vpc_security_group_ingress_rule')
      .filter((r) => r.body.from_port === 8080);
    assert.deepEqual(testRules.map((r) => r.body.cidr_ipv4), ['10.40.0.0/16']);
    const lb = doc.one('aws_lb').body;
    assert.equal(lb.internal, false);
    assert.equal(lb.drop_invalid_header_fields, true);
  });

  it('serves 443 with the certificate, redirects 80, and adds allow-listed test clients', () => {
    const { doc: tls } = synth({
      AWS_REGION: 'eu-west-1',
      CERTIFICATE_ARN: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      TEST_LISTENER_ALLOW_CIDRS: '203.0.113.7/32',
    });
    assert.deepEqual(worldOpenPorts(tls), [80, 443]);
    const byPort = Object.fromEntries(tls.resources('aws_lb_listener').map((l) => [l.body.port, l.body]));
    assert.equal(byPort[443]!.protocol, 'HTTPS');
    assert.match(String(byPort[443]!.ssl_policy), /TLS13/);
    assert.equal((byPort[80]!.default_action as Json[])[0]!.type, 'redirect');
    assert.equal(byPort[8443]!.protocol, 'HTTPS');
    const testCidrs = tls
      .resources('aws_vpc_security_group_ingress_rule')
      .filter((r) => r.body.from_port === 8443)
      .map((r) => r.body.cidr_ipv4);
    assert.deepEqual(testCidrs, ['10.40.0.0/16', '203.0.113.7/32']);
  });

  it('puts WAF (rate limit, IP reputation) on the ALB, and an immutable, scanned ECR repository', () => {
    const acl = doc.one('aws_wafv2_web_acl');
    const statements = (acl.body.rule as Json[]).map((r) => Object.keys(r.statement as Json)[0]).sort();
    assert.deepEqual(statements, ['managed_rule_group_statement', 'rate_based_statement']);
    const managed = (acl.body.rule as Json[]).find((r) => 'managed_rule_group_statement' in (r.statement as Json));
    assert.equal(((managed!.statement as Json).managed_rule_group_statement as Json).name, 'AWSManagedRulesAmazonIpReputationList');
    const association = doc.one('aws_wafv2_web_acl_association').body;
    assert.ok(references(association.resource_arn, doc.one('aws_lb').address));
    const repo = doc.one('aws_ecr_repository').body;
    assert.equal(repo.image_tag_mutability, 'IMMUTABLE');
    assert.deepEqual(repo.image_scanning_configuration, { scan_on_push: true });
  });

  it('scales on CPU and on ALB requests per running task', () => {
    const policies = doc.resources('aws_appautoscaling_policy').map((p) => p.body.target_tracking_scaling_policy_configuration as Json);
    assert.equal(policies.length, 2);
    assert.ok(policies.some((p) => (p.predefined_metric_specification as Json | undefined)?.predefined_metric_type === 'ECSServiceAverageCPUUtilization'));
    const custom = policies.find((p) => p.customized_metric_specification !== undefined);
    const metrics = (custom!.customized_metric_specification as Json).metrics as Json[];
    assert.equal(metrics.find((m) => m.return_data === true)?.expression, 'requests / tasks');
  });

  it('keeps state local and relative by default, in S3 with locking when a bucket is configured', () => {
    assert.deepEqual((doc.raw.terraform as Json).backend, { local: { path: 'terraform.tfstate' } });
    const { doc: s3 } = synth({ AWS_REGION: 'eu-west-1', TF_STATE_BUCKET: 'acme-tfstate' });
    assert.deepEqual((s3.raw.terraform as Json).backend, {
      s3: { bucket: 'acme-tfstate', key: 'balance-api/terraform.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
  });

  it('targets real AWS by default and every used service at the emulator in emulator mode', () => {
    const real = ((doc.raw.provider as Json).aws as Json[])[0]!;
    assert.equal(real.endpoints, undefined);
    assert.equal(real.access_key, undefined);
    assert.equal(real.region, 'eu-west-1');
    const { doc: emu } = synth({ AWS_REGION: 'us-east-1', AWS_EMULATOR_ENDPOINT: 'http://127.0.0.1:4566' });
    const provider = ((emu.raw.provider as Json).aws as Json[])[0]!;
    assert.equal(provider.skip_credentials_validation, true);
    const endpoints = (provider.endpoints as Json[])[0]!;
    assert.ok(Object.values(endpoints).every((url) => url === 'http://127.0.0.1:4566'));
    // Every resource and data source type must reach the emulator, never real AWS.
    const types = [...Object.keys(emu.raw.resource as Json), ...Object.keys(emu.raw.data as Json)];
    for (const type of types) {
      if (type === 'aws_partition' || type === 'aws_iam_policy_document') continue; // computed locally
      const service = endpointFor(type);
      assert.ok(service !== undefined && service in endpoints, `${type} needs an emulator endpoint`);
    }
    assert.equal(doc.one('aws_lb').body.enable_deletion_protection, true);
    assert.equal(emu.one('aws_lb').body.enable_deletion_protection, false);
  });
});
