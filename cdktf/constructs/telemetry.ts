// The AWS Distro for OpenTelemetry collector as a sidecar in the task. The service keeps speaking
// plain OTLP/HTTP and Prometheus; the collector, in the same network namespace (awsvpc), takes
// OTLP on 127.0.0.1:4318 and sends traces to X-Ray, and scrapes /metrics on the container port and
// sends the service's metrics to CloudWatch as embedded metric format (EMF) log events, from which
// CloudWatch extracts the metrics the dashboard reads. Its configuration is generated here and
// handed over in AOT_CONFIG_CONTENT, so what runs is in this repository, reviewed and tested.
import { stringify } from 'yaml';

/** ADOT collector v0.48.0, multi-arch index on ECR Public. Pinned by digest: a tag can move. */
export const ADOT_VERSION = 'v0.48.0';
export const ADOT_IMAGE =
  'public.ecr.aws/aws-observability/aws-otel-collector@sha256:9b28046359054b414f4ba76056ba4e8cffda2d53fbcee06171d7eeecd71326c3';
export const OTLP_HTTP_PORT = 4318;
export const COLLECTOR_CONTAINER = 'otel-collector';
/** CloudWatch namespace of the service's own metrics, and the one dimension every metric gets. */
export const METRICS_NAMESPACE = 'BalanceApi';
export const SERVICE_DIMENSION = 'service.name';

/** Service metrics exported to CloudWatch, with the label sets they are published under. */
export const EXPORTED_METRICS: ReadonlyArray<{ readonly labels: readonly string[]; readonly names: readonly string[] }> = [
  {
    labels: [],
    names: [
      'balance_api_cache_hits_total',
      'balance_api_cache_misses_total',
      'balance_api_head_age_seconds',
      'balance_api_head_block_number',
      'balance_api_http_inflight_requests',
    ],
  },
  { labels: ['provider', 'outcome'], names: ['balance_api_upstream_calls_total'] },
  { labels: ['route', 'status'], names: ['balance_api_http_requests_total'] },
];

export interface CollectorOptions {
  readonly region: string;
  readonly serviceName: string;
  readonly metricsPort: number;
  readonly metricsLogGroup: string;
}

export function collectorConfig(options: CollectorOptions): string {
  const config = {
    extensions: { health_check: { endpoint: '127.0.0.1:13133' } },
    receivers: {
      otlp: { protocols: { http: { endpoint: `127.0.0.1:${OTLP_HTTP_PORT}` } } },
      prometheus: {
        config: {
          scrape_configs: [
            {
              job_name: options.serviceName,
              scrape_interval: '60s',
              metrics_path: '/metrics',
              static_configs: [{ targets: [`127.0.0.1:${options.metricsPort}`] }],
            },
          ],
        },
      },
    },
    processors: {
      // Bounded memory first: a stuck exporter must not take the task's memory from the service.
      memory_limiter: { check_interval: '1s', limit_mib: 100, spike_limit_mib: 25 },
      batch: { timeout: '10s' },
      'resourcedetection/ecs': { detectors: ['env', 'ecs'], timeout: '2s', override: false },
    },
    exporters: {
      awsxray: { region: options.region },
      awsemf: {
        region: options.region,
        namespace: METRICS_NAMESPACE,
        log_group_name: options.metricsLogGroup,
        log_stream_name: '{TaskId}',
        // service.name (the scrape job) becomes a label, the dimension every metric carries.
        resource_to_telemetry_conversion: { enabled: true },
        dimension_rollup_option: 'NoDimensionRollup',
        metric_declarations: EXPORTED_METRICS.map((group) => ({
          dimensions: [[SERVICE_DIMENSION, ...group.labels]],
          metric_name_selectors: group.names.map((name) => `^${name}$`),
        })),
      },
    },
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['memory_limiter', 'resourcedetection/ecs', 'batch'], exporters: ['awsxray'] },
        metrics: {
          receivers: ['prometheus'],
          processors: ['memory_limiter', 'resourcedetection/ecs', 'batch'],
          exporters: ['awsemf'],
        },
      },
    },
  };
  return stringify(config);
}

export interface SidecarOptions extends CollectorOptions {
  readonly logGroup: string;
}

/** The collector's container definition (ECS JSON shape). Not essential: losing telemetry must not stop the API. */
export function collectorContainer(options: SidecarOptions): Record<string, unknown> {
  return {
    name: COLLECTOR_CONTAINER,
    image: ADOT_IMAGE,
    essential: false,
    readonlyRootFilesystem: true,
    environment: [{ name: 'AOT_CONFIG_CONTENT', value: collectorConfig(options) }],
    logConfiguration: {
      logDriver: 'awslogs',
      options: {
        'awslogs-group': options.logGroup,
        'awslogs-region': options.region,
        'awslogs-stream-prefix': COLLECTOR_CONTAINER,
      },
    },
    // The image's own probe of the health_check extension.
    healthCheck: { command: ['/healthcheck'], interval: 30, timeout: 5, retries: 3, startPeriod: 15 },
    memoryReservation: 128,
    mountPoints: [{ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false }],
    portMappings: [],
    volumesFrom: [],
  };
}

/** What the service needs to reach the sidecar. */
export const SERVICE_TELEMETRY_ENV = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${OTLP_HTTP_PORT}` };

export interface Statement {
  sid: string;
  actions: string[];
  resources: string[];
}

/** Exactly what the collector calls: X-Ray segment upload, and EMF writes to its own log group. */
export function collectorStatements(metricsLogGroupArn: string): Statement[] {
  return [
    // X-Ray's write APIs have no resource-level permissions.
    { sid: 'XRayWrite', actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'] },
    { sid: 'EmfMetrics', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${metricsLogGroupArn}:*`] },
  ];
}
