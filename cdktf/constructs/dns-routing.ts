// API_DOMAIN across the regions: a Route53 health check on each region's /readyz, an alarm on it
// (to the alert topic), and the records that send clients to a healthy region. Failover (default):
// the primary answers while its check passes, then the next region; latency: the nearest healthy
// region. Each record aliases the region's own name (<region>.<API_DOMAIN>, made by its regional
// stack), so this stack needs no other stack's state.
import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check/index.js';
import { Route53Record, type Route53RecordConfig } from '@cdktf/provider-aws/lib/route53-record/index.js';
import type { DnsRoutingSettings } from '../deployment-config.js';
import { regionalName } from './certificate.js';

/**
 * Failover takes about HEALTH_CHECK_INTERVAL_SECONDS x HEALTH_CHECK_FAILURE_THRESHOLD for Route53
 * to call a region unhealthy, plus ALIAS_TTL_SECONDS for resolvers to drop the old answer.
 * The 10 s ("fast") interval costs more per check than 30 s and halves the detection time.
 */
export const HEALTH_CHECK_INTERVAL_SECONDS = 10;
export const HEALTH_CHECK_FAILURE_THRESHOLD = 3;
/** What AWS answers for an alias to an ALB (not configurable on alias records). */
export const ALIAS_TTL_SECONDS = 60;
export const READINESS_PATH = '/readyz';

export interface DnsRoutingProps extends DnsRoutingSettings {
  readonly prefix: string;
  /** SNS topic ARNs (in us-east-1, where Route53 publishes its metrics) for ALARM and OK. */
  readonly notify: readonly string[];
}

export class DnsRouting extends Construct {
  readonly healthChecks: Route53HealthCheck[] = [];
  readonly alarms: CloudwatchMetricAlarm[] = [];
  readonly records: Route53Record[] = [];
  private readonly props: DnsRoutingProps;

  constructor(scope: Construct, id: string, props: DnsRoutingProps) {
    super(scope, id);
    this.props = props;
    const checks = new Map(props.regions.map((region) => [region, this.healthCheck(region)]));
    const [primary, ...others] = props.regions;
    const name = props.domain.name;
    if (props.routing === 'latency') {
      for (const region of props.regions) this.latency(name, region, checks.get(region)!.id);
      return;
    }
    this.failover(name, 'PRIMARY', { setIdentifier: primary!, target: regionalName(props.domain, primary!), healthCheckId: checks.get(primary!)!.id });
    if (others.length === 1) {
      const [secondary] = others as [string];
      this.failover(name, 'SECONDARY', { setIdentifier: secondary, target: regionalName(props.domain, secondary), healthCheckId: checks.get(secondary)!.id });
      return;
    }
    // Route53 failover has one PRIMARY and one SECONDARY: with three or more regions the secondary
    // is a latency set over the others, healthy only while one of them is.
    const standby = `standby.${name}`;
    for (const region of others) this.latency(standby, region, checks.get(region)!.id);
    this.failover(name, 'SECONDARY', { setIdentifier: 'standby', target: standby, healthCheckId: undefined });
  }

  private healthCheck(region: string): Route53HealthCheck {
    const { prefix, domain, notify } = this.props;
    const check = new Route53HealthCheck(this, `health-${region}`, {
      type: 'HTTPS',
      fqdn: regionalName(domain, region),
      port: 443,
      resourcePath: READINESS_PATH,
      enableSni: true,
      requestInterval: HEALTH_CHECK_INTERVAL_SECONDS,
      failureThreshold: HEALTH_CHECK_FAILURE_THRESHOLD,
      tags: { Name: `${prefix}-${region}-readyz` },
    });
    this.healthChecks.push(check);
    this.alarms.push(
      new CloudwatchMetricAlarm(this, `health-alarm-${region}`, {
        alarmName: `${prefix}-${region}-unhealthy`,
        alarmDescription: `Route53 calls ${regionalName(domain, region)}${READINESS_PATH} unhealthy: DNS sends clients to another region`,
        namespace: 'AWS/Route53',
        metricName: 'HealthCheckStatus',
        dimensions: { HealthCheckId: check.id },
        statistic: 'Minimum',
        period: 60,
        evaluationPeriods: 1,
        comparisonOperator: 'LessThanThreshold',
        threshold: 1,
        // Route53 reports every minute; silence means the check itself is gone.
        treatMissingData: 'breaching',
        alarmActions: [...notify],
        okActions: [...notify],
      }),
    );
    return check;
  }

  private failover(
    name: string,
    role: 'PRIMARY' | 'SECONDARY',
    record: { setIdentifier: string; target: string; healthCheckId: string | undefined },
  ): void {
    this.record(`failover-${role.toLowerCase()}`, name, record, { failoverRoutingPolicy: { type: role } });
  }

  private latency(name: string, region: string, healthCheckId: string): void {
    const id = name === this.props.domain.name ? `latency-${region}` : `standby-${region}`;
    this.record(id, name, { setIdentifier: region, target: regionalName(this.props.domain, region), healthCheckId }, {
      latencyRoutingPolicy: { region },
    });
  }

  private record(
    id: string,
    name: string,
    record: { setIdentifier: string; target: string; healthCheckId: string | undefined },
    policy: Pick<Route53RecordConfig, 'failoverRoutingPolicy' | 'latencyRoutingPolicy'>,
  ): void {
    const { hostedZoneId } = this.props.domain;
    this.records.push(
      new Route53Record(this, id, {
        zoneId: hostedZoneId,
        name,
        type: 'A',
        setIdentifier: record.setIdentifier,
        ...(record.healthCheckId === undefined ? {} : { healthCheckId: record.healthCheckId }),
        ...policy,
        // Also follows the target record's own health: the ALB with no healthy task behind it.
        alias: { name: record.target, zoneId: hostedZoneId, evaluateTargetHealth: true },
      }),
    );
  }
}
