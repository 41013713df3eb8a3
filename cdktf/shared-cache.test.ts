// Fast infra test for the fleet cache (cdktf/constructs/shared-cache.ts): synthesize the stack with
// and without SHARED_CACHE and assert, on the JSON, what keeps the cache private and secret.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadStackConfig, type Env } from './stack-config.js';
import { references, type Json, type SynthDoc } from './testing/synth-json.js';
import { stackSynthesizer } from './testing/synth-stack.js';

const synthesizer = stackSynthesizer('cache-synth');
const synth = (env: Env): SynthDoc => synthesizer({ AWS_REGION: 'eu-west-1', ...env }).doc;

type Container = { name: string; environment: Array<{ name: string }>; secrets: Array<{ name: string; valueFrom: string }> };
function apiContainer(doc: SynthDoc): Container {
  const all = JSON.parse(doc.one('aws_ecs_task_definition').body.container_definitions as string) as Container[];
  return all.find((c) => c.name === 'api')!;
}

const on = synth({});
const off = synth({ SHARED_CACHE: 'off' });

describe('shared cache infrastructure', () => {
  const group = on.one('aws_elasticache_replication_group');
  const cacheSg = on.resources('aws_security_group').find((sg) => sg.body.name === 'balance-api-cache')!;
  const serviceSg = on.resources('aws_security_group').find((sg) => sg.body.name === 'balance-api-tasks')!;

  it('is a Valkey replication group with Multi-AZ automatic failover, TLS in transit and encryption at rest', () => {
    const body = group.body;
    assert.equal(body.engine, 'valkey');
    assert.equal(body.num_cache_clusters, 2);
    assert.equal(body.automatic_failover_enabled, true);
    assert.equal(body.multi_az_enabled, true);
    assert.equal(body.transit_encryption_enabled, true);
    assert.equal(body.at_rest_encryption_enabled, 'true');
    assert.equal(body.port, 6379);
  });

  it('takes its AUTH token from an SSM SecureString, never from the synthesized JSON', () => {
    const [token] = on.dataSources('aws_ssm_parameter').filter((p) => p.body.name === '/int/balance-api/redis_auth_token');
    assert.ok(token, 'reads /int/balance-api/redis_auth_token');
    assert.equal(token.body.with_decryption, true);
    assert.ok(references(group.body.auth_token, token.address), String(group.body.auth_token));
  });

  it('lives in the private subnets, reachable only from the service security group', () => {
    const subnets = on.one('aws_elasticache_subnet_group').body.subnet_ids as string[];
    const privateSubnets = on.resources('aws_subnet').filter((s) => s.name.includes('private'));
    assert.equal(subnets.length, privateSubnets.length);
    for (const subnet of privateSubnets) assert.ok(subnets.some((id) => references(id, subnet.address)), subnet.address);
    assert.ok(references((group.body.security_group_ids as string[])[0], cacheSg.address));
    const ingress = on.resources('aws_vpc_security_group_ingress_rule').filter((r) => references(r.body.security_group_id, cacheSg.address));
    assert.equal(ingress.length, 1);
    assert.deepEqual(
      { from: ingress[0]!.body.from_port, to: ingress[0]!.body.to_port, cidr: ingress[0]!.body.cidr_ipv4, fromService: references(ingress[0]!.body.referenced_security_group_id, serviceSg.address) },
      { from: 6379, to: 6379, cidr: undefined, fromService: true },
    );
    const egress = on.resources('aws_vpc_security_group_egress_rule').filter((r) => references(r.body.referenced_security_group_id, cacheSg.address));
    assert.equal(egress.length, 1);
    assert.ok(references(egress[0]!.body.security_group_id, serviceSg.address), 'the tasks may open connections to it');
  });

  it('hands REDIS_URL (rediss://, with the token) to the task as an ECS secret, never as plain environment', () => {
    const url = on.resources('aws_ssm_parameter').find((p) => p.body.name === '/int/balance-api/redis_url')!;
    assert.equal(url.body.type, 'SecureString');
    assert.match(String(url.body.value), /^rediss:\/\/:\$\{urlencode\(data\.aws_ssm_parameter\.[^}]+\.value\)\}@\$\{aws_elasticache_replication_group\.[^}]+\.primary_endpoint_address\}:6379$/);
    const container = apiContainer(on);
    const secret = container.secrets.find((s) => s.name === 'REDIS_URL');
    assert.ok(secret !== undefined && references(secret.valueFrom, url.address), JSON.stringify(container.secrets));
    assert.ok(!container.environment.some((e) => e.name.startsWith('REDIS')));
    const policies = JSON.stringify(on.dataSources('aws_iam_policy_document').map((d) => d.body));
    assert.ok(policies.includes(`\${${url.address}.arn}`), 'the execution role may read the REDIS_URL parameter');
  });

  it('alarms on evictions, memory and engine CPU of both nodes, notifying the alert topic', () => {
    const alarms = on.resources('aws_cloudwatch_metric_alarm').filter((a) => a.body.namespace === 'AWS/ElastiCache');
    const seen = alarms.map((a) => `${(a.body.dimensions as Json).CacheClusterId} ${a.body.metric_name}`).sort();
    assert.deepEqual(seen, [
      'balance-api-cache-001 DatabaseMemoryUsagePercentage',
      'balance-api-cache-001 EngineCPUUtilization',
      'balance-api-cache-001 Evictions',
      'balance-api-cache-002 DatabaseMemoryUsagePercentage',
      'balance-api-cache-002 EngineCPUUtilization',
      'balance-api-cache-002 Evictions',
    ]);
    const topics = on.resources('aws_sns_topic');
    for (const { body } of alarms) {
      const actions = body.alarm_actions as string[];
      assert.ok(topics.some((topic) => actions.some((a) => references(a, topic.address))), `${body.alarm_name} notifies the alert topic`);
      assert.deepEqual(body.ok_actions, body.alarm_actions);
    }
  });

  it('stays out of CodeDeploy rollback alarms: a cache node under pressure is no reason to undo a release', () => {
    const names = JSON.stringify(on.one('aws_codedeploy_deployment_group').body.alarm_configuration);
    assert.doesNotMatch(names, /cache/);
  });

  it('is left out entirely with SHARED_CACHE=off', () => {
    for (const type of ['aws_elasticache_replication_group', 'aws_elasticache_subnet_group']) assert.equal(off.resources(type).length, 0, type);
    assert.equal(off.resources('aws_ssm_parameter').filter((p) => String(p.body.name).includes('redis')).length, 0);
    assert.equal(off.dataSources('aws_ssm_parameter').filter((p) => String(p.body.name).includes('redis')).length, 0);
    assert.equal(off.resources('aws_cloudwatch_metric_alarm').filter((a) => a.body.namespace === 'AWS/ElastiCache').length, 0);
    assert.ok(!apiContainer(off).secrets.some((s) => s.name === 'REDIS_URL'));
    const ports = [...off.resources('aws_vpc_security_group_ingress_rule'), ...off.resources('aws_vpc_security_group_egress_rule')].map((r) => r.body.from_port);
    assert.ok(!ports.includes(6379));
  });

  it('refuses a SHARED_CACHE that is neither on nor off', () => {
    assert.throws(() => loadStackConfig({ SHARED_CACHE: 'yes' }), /^Error: SHARED_CACHE must be on or off, got "yes"$/);
  });
});
