// One CloudWatch dashboard for a release and for an incident: the ALB's view per target group
// (blue and green side by side, so a canary's share is judged against the rest), the fleet's
// health and size, and the service's own metrics as the ADOT sidecar exports them.
import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard/index.js';
import { resourceNames } from '../naming.js';
import { METRICS_NAMESPACE, SERVICE_DIMENSION } from './telemetry.js';

export interface DashboardProps {
  readonly prefix: string;
  /** Prefix of account-wide names (see StackConfig.globalPrefix). */
  readonly globalPrefix: string;
  readonly region: string;
  readonly loadBalancerArnSuffix: string;
  readonly targetGroups: ReadonlyArray<{ readonly color: string; readonly arnSuffix: string }>;
  readonly clusterName: string;
  readonly serviceName: string;
  /** Whether the service's own metrics reach CloudWatch (the telemetry sidecar runs). */
  readonly serviceMetrics: boolean;
  /** Alarm ARNs shown in an alarm-status widget. */
  readonly alarmArns: readonly string[];
}

type Metric = unknown[];
interface Widget {
  type: 'metric' | 'alarm' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

export class Dashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const widgets: Widget[] = [];
    // Two widgets per row, 12 units wide and 6 high each.
    const place = (type: Widget['type'], properties: Record<string, unknown>) => {
      const i = widgets.length;
      widgets.push({ type, x: (i % 2) * 12, y: Math.floor(i / 2) * 6, width: 12, height: 6, properties });
    };
    const metric = (title: string, metrics: Metric[], extra: Record<string, unknown> = {}) =>
      place('metric', { title, region: props.region, view: 'timeSeries', stacked: false, period: 60, metrics, ...extra });

    const lb = props.loadBalancerArnSuffix;
    const perGroup = (name: string, stat: string, label: string): Metric[] =>
      props.targetGroups.map((tg) => [
        'AWS/ApplicationELB',
        name,
        'TargetGroup',
        tg.arnSuffix,
        'LoadBalancer',
        lb,
        { stat, label: `${tg.color} ${label}` },
      ]);

    metric('Requests per target group', perGroup('RequestCount', 'Sum', 'requests'));
    metric('5xx per target group (and ALB-generated)', [
      ...perGroup('HTTPCode_Target_5XX_Count', 'Sum', 'target 5xx'),
      ['AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', 'LoadBalancer', lb, { stat: 'Sum', label: 'ALB 5xx' }],
    ]);
    metric(
      'Latency p50 / p90 / p99 per target group (s)',
      ['p50', 'p90', 'p99'].flatMap((p) => perGroup('TargetResponseTime', p, p)),
    );
    metric('Healthy hosts per target group', [
      ...perGroup('HealthyHostCount', 'Minimum', 'healthy'),
      ...perGroup('UnHealthyHostCount', 'Maximum', 'unhealthy'),
    ]);
    const ecs = (name: string, stat: string, label: string): Metric => [
      'AWS/ECS',
      name,
      'ClusterName',
      props.clusterName,
      'ServiceName',
      props.serviceName,
      { stat, label: `${name} ${label}` },
    ];
    metric(
      'ECS CPU and memory (%)',
      ['CPUUtilization', 'MemoryUtilization'].flatMap((name) => [ecs(name, 'Average', 'average'), ecs(name, 'Maximum', 'max')]),
    );
    place('alarm', { title: 'Release alarms', alarms: [...props.alarmArns] });

    if (props.serviceMetrics) {
      // The collector's scrape job, hence the service.name dimension, is the service's name.
      const job = resourceNames(props.prefix).service;
      const svc = (name: string, stat: string, id: string, visible = true): Metric => [
        METRICS_NAMESPACE,
        name,
        SERVICE_DIMENSION,
        job,
        { stat, id, visible },
      ];
      metric('Cache hit ratio (%)', [
        svc('balance_api_cache_hits_total', 'Sum', 'hits', false),
        svc('balance_api_cache_misses_total', 'Sum', 'misses', false),
        [{ expression: '100 * hits / (hits + misses)', label: 'hit ratio', id: 'ratio' }],
      ], { yAxis: { left: { min: 0, max: 100 } } });
      metric('Upstream calls by provider and outcome (not ok)', [
        [
          {
            // Quoted: the dimension name has a dot, the service name a dash.
            expression: `SEARCH('{${METRICS_NAMESPACE},"${SERVICE_DIMENSION}",provider,outcome} MetricName="balance_api_upstream_calls_total" "${SERVICE_DIMENSION}"="${job}" NOT outcome="ok"', 'Sum', 60)`,
            id: 'errors',
          },
        ],
      ]);
      metric('Head age (s)', [svc('balance_api_head_age_seconds', 'Maximum', 'age')]);
      metric('Requests in flight upstream', [svc('balance_api_http_inflight_requests', 'Maximum', 'inflight')]);
    } else {
      place('text', {
        markdown: 'Service metrics (cache hit ratio, upstream errors, head age) need the telemetry sidecar: synth without `TELEMETRY_SIDECAR=off`.',
      });
    }

    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: props.globalPrefix,
      dashboardBody: JSON.stringify({ widgets }),
    });
  }
}
