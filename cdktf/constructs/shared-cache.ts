// The fleet's shared cache: an ElastiCache (Valkey) replication group every task reads through on
// an in-process miss (src/cache/shared-cache.ts). Redis is a cache, never a dependency: the service
// answers without it, so nothing here is on the health check's path.
//
// Replication group, not Serverless, because:
// - the alarms the service needs exist per node: Evictions, DatabaseMemoryUsagePercentage and
//   EngineCPUUtilization (Serverless reports ECPUs and bytes, with no eviction or engine-CPU view);
// - Serverless is cluster-mode only and caps arguments per command; one primary (cluster mode off)
//   keeps the fill script and pub/sub hand-over simple and cheap at this data size (a few MB of
//   150-byte entries), and the key layout still uses hash tags so cluster mode stays open;
// - a small node pair (cache.t4g.small, ~2 x $23/month) is cheaper than Serverless' 1 GB minimum
//   storage charge, and the terraform end to end can apply it against moto (it has no Serverless).
// Multi-AZ with automatic failover: a primary and a replica in two private subnets; on failover
// the primary endpoint moves and ioredis reconnects (a few seconds of reads going upstream).
//
// AUTH token: an operator-created SSM SecureString (/int/<prefix>/redis_auth_token, like the
// provider keys). Terraform reads it to set the group's token and writes REDIS_URL
// (rediss://:token@primary:6379) as another SecureString that reaches the task as an ECS secret.
// Both values sit in the Terraform state, which is why the state lives in an encrypted bucket.
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter/index.js';
import { ElasticacheReplicationGroup } from '@cdktf/provider-aws/lib/elasticache-replication-group/index.js';
import { ElasticacheSubnetGroup } from '@cdktf/provider-aws/lib/elasticache-subnet-group/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { skipCheck } from '../policy/checkov.js';

export const REDIS_PORT = 6379;

export interface SharedCacheThresholds {
  /** Keys evicted per 5 minutes: entries are bounded by their TTL, evictions mean the node is too small. */
  readonly evictionsPer5Minutes: number;
  readonly memoryPercent: number;
  /** The engine thread's CPU (Valkey runs commands on one thread). */
  readonly engineCpuPercent: number;
}

export const DEFAULT_SHARED_CACHE_THRESHOLDS: SharedCacheThresholds = {
  evictionsPer5Minutes: 1000,
  memoryPercent: 80,
  engineCpuPercent: 75,
};

export interface SharedCacheProps {
  readonly prefix: string;
  readonly vpcId: string;
  readonly privateSubnetIds: string[];
  /** SSM SecureString holding the AUTH token (16-128 printable characters, no @ " / or space). */
  readonly authTokenParameterName: string;
  /** Where REDIS_URL is written (a SecureString the task reads as an ECS secret). */
  readonly urlParameterName: string;
  readonly nodeType?: string;
  readonly thresholds?: SharedCacheThresholds;
}

export class SharedCache extends Construct {
  readonly group: ElasticacheReplicationGroup;
  readonly securityGroup: SecurityGroup;
  readonly urlParameter: SsmParameter;
  readonly alarms: CloudwatchMetricAlarm[] = [];
  private readonly prefix: string;
  private readonly groupId: string;
  private readonly thresholds: SharedCacheThresholds;

  constructor(scope: Construct, id: string, props: SharedCacheProps) {
    super(scope, id);
    this.prefix = props.prefix;
    const groupId = `${props.prefix}-cache`;
    this.groupId = groupId;
    this.thresholds = props.thresholds ?? DEFAULT_SHARED_CACHE_THRESHOLDS;
    const subnets = new ElasticacheSubnetGroup(this, 'subnets', {
      name: groupId,
      description: 'balance-api shared cache: private subnets only',
      subnetIds: props.privateSubnetIds,
    });
    this.securityGroup = new SecurityGroup(this, 'sg', {
      name: `${props.prefix}-cache`,
      description: 'balance-api shared cache: from the service tasks only',
      vpcId: props.vpcId,
      tags: { Name: `${props.prefix}-cache` },
    });
    const token = new DataAwsSsmParameter(this, 'auth-token', {
      name: props.authTokenParameterName,
      withDecryption: true,
    });
    this.group = new ElasticacheReplicationGroup(this, 'group', {
      replicationGroupId: groupId,
      description: 'balance-api shared balance cache (chain id + block hash + address)',
      engine: 'valkey',
      engineVersion: '8.0',
      parameterGroupName: 'default.valkey8',
      nodeType: props.nodeType ?? 'cache.t4g.small',
      port: REDIS_PORT,
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      subnetGroupName: subnets.name,
      securityGroupIds: [this.securityGroup.id],
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: 'true',
      authToken: token.value,
      // Entries are immutable and re-readable: no snapshots to keep.
      snapshotRetentionLimit: 0,
      applyImmediately: true,
      autoMinorVersionUpgrade: 'true',
      tags: { Name: groupId },
    });
    skipCheck(this.group, 'CKV_AWS_134', 'no backups on purpose: entries are immutable balances re-readable from providers');
    skipCheck(this.group, 'CKV_AWS_191', 'at-rest encryption with the AWS-managed key: the data is public chain state');
    this.urlParameter = new SsmParameter(this, 'url', {
      name: props.urlParameterName,
      description: 'REDIS_URL for balance-api tasks (ECS secret); carries the AUTH token',
      type: 'SecureString',
      value: `rediss://:${Fn.urlencode(token.value)}@${this.group.primaryEndpointAddress}:${REDIS_PORT}`,
    });
    skipCheck(this.urlParameter, 'CKV_AWS_337', 'SecureString with the account SSM key, like the provider-key parameters');
  }

  /**
   * Evictions, memory and engine CPU per node, notifying `notify` (the alert topic) on ALARM and
   * OK. Called once the stack's alert topic exists.
   */
  addAlarms(notify: readonly string[]): void {
    const t = this.thresholds;
    const groupId = this.groupId;
    // Member cluster ids of a cluster-mode-off group are <group>-001, -002 (known before apply).
    for (const member of ['001', '002']) {
      const dimensions = { CacheClusterId: `${groupId}-${member}` };
      this.alarm(`cache-${member}-evictions`, notify, {
        description: `keys evicted on ${groupId}-${member}: the cache is too small for its TTL`,
        metricName: 'Evictions',
        dimensions,
        statistic: 'Sum',
        period: 300,
        threshold: t.evictionsPer5Minutes,
      });
      this.alarm(`cache-${member}-memory`, notify, {
        description: `memory used on ${groupId}-${member}`,
        metricName: 'DatabaseMemoryUsagePercentage',
        dimensions,
        statistic: 'Maximum',
        period: 60,
        threshold: t.memoryPercent,
      });
      this.alarm(`cache-${member}-engine-cpu`, notify, {
        description: `engine thread CPU on ${groupId}-${member}`,
        metricName: 'EngineCPUUtilization',
        dimensions,
        statistic: 'Average',
        period: 60,
        threshold: t.engineCpuPercent,
      });
    }
  }

  /** Lets the service's tasks (and only them) reach the cache: their egress, its ingress. */
  allowFrom(serviceSecurityGroupId: string): void {
    new VpcSecurityGroupIngressRule(this, 'from-service', {
      securityGroupId: this.securityGroup.id,
      description: 'balance-api tasks to Valkey (TLS)',
      ipProtocol: 'tcp',
      fromPort: REDIS_PORT,
      toPort: REDIS_PORT,
      referencedSecurityGroupId: serviceSecurityGroupId,
    });
    new VpcSecurityGroupEgressRule(this, 'service-out', {
      securityGroupId: serviceSecurityGroupId,
      description: 'balance-api tasks to the shared cache',
      ipProtocol: 'tcp',
      fromPort: REDIS_PORT,
      toPort: REDIS_PORT,
      referencedSecurityGroupId: this.securityGroup.id,
    });
  }

  get alarmNames(): string[] {
    return this.alarms.map((alarm) => alarm.alarmName);
  }

  private alarm(
    id: string,
    notify: readonly string[],
    spec: { description: string; metricName: string; dimensions: Record<string, string>; statistic: string; period: number; threshold: number },
  ): void {
    this.alarms.push(
      new CloudwatchMetricAlarm(this, id, {
        alarmName: `${this.prefix}-${id}`,
        // Not a rollback alarm: a release does not change the cache's size, and the service
        // answers without Redis. People hear of it through the alert topic instead.
        alarmDescription: `${spec.description}; the service keeps answering from providers`,
        namespace: 'AWS/ElastiCache',
        metricName: spec.metricName,
        dimensions: spec.dimensions,
        statistic: spec.statistic,
        period: spec.period,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: spec.threshold,
        treatMissingData: 'notBreaching',
        ...(notify.length === 0 ? {} : { alarmActions: [...notify], okActions: [...notify] }),
      }),
    );
  }
}
