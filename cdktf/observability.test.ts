// Fast infra test, part 3: alerts reach people (KMS-encrypted SNS topic on ALARM and OK, the
// configured subscriptions), the dashboard shows what a canary and an incident need, and the ADOT
// sidecar ships traces and metrics with exactly the permissions it uses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ADOT_IMAGE, COLLECTOR_CONTAINER, EXPORTED_METRICS, METRICS_NAMESPACE } from './constructs/telemetry.js';
import { BASELINE_FILE } from './policy/checkov.js';
import { loadStackConfig, type Env } from './stack-config.js';
import { references, type Json, type SynthDoc } from './testing/synth-json.js';
import { stackSynthesizer } from './testing/synth-stack.js';

const synth = stackSynthesizer('observability');

const WIRED: Env = {
  AWS_REGION: 'eu-west-1',
  ALERT_EMAILS: 'oncall@example.com, sre@example.com',
  PAGERDUTY_ENDPOINT: 'https://events.pagerduty.com/integration/abc123/enqueue',
  SLACK_WORKSPACE_ID: 'T012ABCDEF',
  SLACK_CHANNEL_ID: 'C012ABCDEF',
};
const { doc, stackDir } = synth(WIRED);
const bare = synth({ AWS_REGION: 'eu-west-1', TELEMETRY_SIDECAR: 'off' }).doc;

type Container = Json & { name: string; environment?: Array<{ name: string; value: string }> };
const containers = (d: SynthDoc) =>
  JSON.parse(d.one('aws_ecs_task_definition').body.container_definitions as string) as Container[];
const statementsOf = (d: SynthDoc, policyRef: unknown) =>
  d.dataSources('aws_iam_policy_document').find((p) => references(policyRef, p.address))!.body.statement as Json[];

describe('alert routing', () => {
  const topic = doc.one('aws_sns_topic');

  it('encrypts the alert topic with a rotating customer key that only this stack\'s alarms may use', () => {
    const key = doc.one('aws_kms_key');
    assert.ok(references(topic.body.kms_master_key_id, key.address));
    assert.equal(key.body.enable_key_rotation, true);
    const keyStatements = statementsOf(doc, key.body.policy);
    const forAlarms = keyStatements.find((s) => s.sid === 'AlarmsEncryptForSns')!;
    assert.deepEqual(forAlarms.principals, [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }]);
    assert.deepEqual(forAlarms.actions, ['kms:Decrypt', 'kms:GenerateDataKey*']);
    const policy = doc.one('aws_sns_topic_policy').body;
    const publish = statementsOf(doc, policy.policy);
    assert.equal(publish.length, 1);
    assert.deepEqual(publish[0]!.actions, ['sns:Publish']);
    assert.match(JSON.stringify(publish[0]!.condition), /alarm:balance-api-\*/);
  });

  it('sends every alarm to the topic on ALARM and on OK', () => {
    const alarms = doc.resources('aws_cloudwatch_metric_alarm');
    assert.ok(alarms.length >= 7);
    for (const alarm of alarms) {
      for (const field of ['alarm_actions', 'ok_actions']) {
        const actions = alarm.body[field] as string[];
        assert.equal(actions.length, 1, `${alarm.body.alarm_name} ${field}`);
        assert.ok(references(actions[0], topic.address), `${alarm.body.alarm_name} ${field} -> topic`);
      }
    }
  });

  it('subscribes the configured emails, PagerDuty over HTTPS, and Slack through AWS Chatbot', () => {
    const subs = doc.resources('aws_sns_topic_subscription').map((s) => s.body);
    for (const sub of subs) assert.ok(references(sub.topic_arn, topic.address));
    assert.deepEqual(
      subs.map((s) => [s.protocol, s.endpoint]).sort(),
      [
        ['email', 'oncall@example.com'],
        ['email', 'sre@example.com'],
        ['https', 'https://events.pagerduty.com/integration/abc123/enqueue'],
      ],
    );
    assert.equal(subs.find((s) => s.protocol === 'https')!.endpoint_auto_confirms, true);
    const slack = doc.one('aws_chatbot_slack_channel_configuration').body;
    assert.equal(slack.slack_team_id, 'T012ABCDEF');
    assert.equal(slack.slack_channel_id, 'C012ABCDEF');
    assert.ok(references((slack.sns_topic_arns as string[])[0], topic.address));
    assert.deepEqual(slack.guardrail_policy_arns, ['arn:${data.aws_partition.partition.partition}:iam::aws:policy/CloudWatchReadOnlyAccess']);
    const role = doc.resources('aws_iam_role').find((r) => references(slack.iam_role_arn, r.address))!;
    assert.match(String(role.body.assume_role_policy), /chatbot/);
  });

  it('creates the Chatbot configuration where Chatbot\'s API is: the stack\'s region if it can, else us-east-2', () => {
    assert.equal(doc.one('aws_chatbot_slack_channel_configuration').body.provider, undefined, 'eu-west-1 has Chatbot');
    const { doc: east } = synth({ ...WIRED, AWS_REGION: 'us-east-1' });
    assert.equal(east.one('aws_chatbot_slack_channel_configuration').body.provider, 'aws.chatbot');
    const providers = (east.raw.provider as Json).aws as Json[];
    assert.deepEqual(providers.map((p) => [p.alias, p.region]), [[undefined, 'us-east-1'], ['chatbot', 'us-east-2']]);
    const { doc: oregon } = synth({ ...WIRED, AWS_REGION: 'us-east-1', CHATBOT_REGION: 'us-west-2' });
    assert.equal(((oregon.raw.provider as Json).aws as Json[])[1]!.region, 'us-west-2');
  });

  it('keeps the topic, and subscribes nobody, when no target is configured', () => {
    assert.equal(bare.resources('aws_sns_topic').length, 1);
    assert.equal(bare.resources('aws_sns_topic_subscription').length, 0);
    assert.equal(bare.resources('aws_chatbot_slack_channel_configuration').length, 0);
    for (const alarm of bare.resources('aws_cloudwatch_metric_alarm')) {
      assert.equal((alarm.body.alarm_actions as string[]).length, 1);
    }
  });

  it('refuses malformed targets at synth time, naming the variable', () => {
    const cases: Array<[Env, RegExp]> = [
      [{ ALERT_EMAILS: 'oncall' }, /ALERT_EMAILS must list email addresses, got "oncall"/],
      [{ PAGERDUTY_ENDPOINT: 'http://events.pagerduty.com/x' }, /PAGERDUTY_ENDPOINT must be an https:\/\/ URL/],
      [{ SLACK_WORKSPACE_ID: 'T012ABCDEF' }, /SLACK_WORKSPACE_ID and SLACK_CHANNEL_ID must be set together/],
      [{ SLACK_WORKSPACE_ID: 't1', SLACK_CHANNEL_ID: 'C012ABCDEF' }, /SLACK_WORKSPACE_ID must be a Slack id/],
      [{ TELEMETRY_SIDECAR: 'false' }, /TELEMETRY_SIDECAR must be on or off, got "false"/],
      [{ CHATBOT_REGION: 'us-east-1' }, /CHATBOT_REGION must be one of us-east-2, us-west-2, eu-west-1, ap-southeast-1/],
    ];
    for (const [env, message] of cases) assert.throws(() => loadStackConfig(env), message, JSON.stringify(env));
  });
});

describe('dashboard', () => {
  const body = doc.one('aws_cloudwatch_dashboard').body;
  const widgets = (JSON.parse(body.dashboard_body as string) as { widgets: Array<{ type: string; properties: Json }> }).widgets;
  const metricRows = widgets.flatMap((w) => ((w.properties.metrics ?? []) as unknown[][]));
  /** namespace:metric:stat for every plain metric row. */
  const plotted = new Set(
    metricRows
      .filter((row) => typeof row[0] === 'string')
      .map((row) => `${row[0]}:${row[1]}:${(row.at(-1) as Json).stat}`),
  );
  const tgs = doc.resources('aws_lb_target_group');

  it('shows requests, 5xx, p50/p90/p99 and healthy hosts for blue and green side by side', () => {
    for (const entry of [
      'AWS/ApplicationELB:RequestCount:Sum',
      'AWS/ApplicationELB:HTTPCode_Target_5XX_Count:Sum',
      'AWS/ApplicationELB:HTTPCode_ELB_5XX_Count:Sum',
      'AWS/ApplicationELB:TargetResponseTime:p50',
      'AWS/ApplicationELB:TargetResponseTime:p90',
      'AWS/ApplicationELB:TargetResponseTime:p99',
      'AWS/ApplicationELB:HealthyHostCount:Minimum',
    ]) {
      assert.ok(plotted.has(entry), entry);
    }
    for (const name of ['RequestCount', 'HTTPCode_Target_5XX_Count', 'TargetResponseTime', 'HealthyHostCount']) {
      const rows = metricRows.filter((r) => r[1] === name);
      for (const tg of tgs) {
        assert.ok(rows.some((r) => references(r[3], tg.address)), `${name} for ${tg.body.name}`);
      }
    }
  });

  it('shows ECS CPU and memory, the alarms, and the service\'s cache, upstream and head metrics', () => {
    for (const entry of ['AWS/ECS:CPUUtilization:Average', 'AWS/ECS:MemoryUtilization:Average']) {
      assert.ok(plotted.has(entry), entry);
    }
    for (const entry of [
      `${METRICS_NAMESPACE}:balance_api_cache_hits_total:Sum`,
      `${METRICS_NAMESPACE}:balance_api_cache_misses_total:Sum`,
      `${METRICS_NAMESPACE}:balance_api_head_age_seconds:Maximum`,
    ]) {
      assert.ok(plotted.has(entry), entry);
    }
    const expressions = metricRows.filter((r) => typeof r[0] === 'object').map((r) => (r[0] as Json).expression as string);
    assert.ok(expressions.includes('100 * hits / (hits + misses)'), 'cache hit ratio');
    const search = expressions.find((e) => e.startsWith('SEARCH('))!;
    assert.match(search, /^SEARCH\('\{BalanceApi,"service\.name",provider,outcome\} MetricName="balance_api_upstream_calls_total" "service\.name"="balance-api"/);
    assert.match(search, /NOT outcome="ok"/);
    const alarmWidget = widgets.find((w) => w.type === 'alarm')!;
    assert.equal((alarmWidget.properties.alarms as string[]).length, doc.resources('aws_cloudwatch_metric_alarm').length);
    // Every service metric the dashboard reads is one the collector exports.
    const exported = new Set(EXPORTED_METRICS.flatMap((g) => g.names));
    for (const row of metricRows.filter((r) => r[0] === METRICS_NAMESPACE)) {
      assert.ok(exported.has(row[1] as string), `${row[1]} is exported by the collector`);
    }
  });
});

describe('telemetry sidecar', () => {
  const [api, collector] = containers(doc);

  it('runs the ADOT collector pinned by digest, non-essential, beside the API', () => {
    assert.equal(api!.name, 'api');
    assert.equal(collector!.name, COLLECTOR_CONTAINER);
    assert.match(ADOT_IMAGE, /^public\.ecr\.aws\/aws-observability\/aws-otel-collector@sha256:[0-9a-f]{64}$/);
    assert.equal(collector!.image, ADOT_IMAGE);
    assert.equal(collector!.essential, false);
    assert.equal(collector!.readonlyRootFilesystem, true);
    assert.equal((collector!.logConfiguration as Json).logDriver, 'awslogs');
    assert.equal(containers(bare).length, 1, 'TELEMETRY_SIDECAR=off leaves it out');
    assert.ok(!containers(bare)[0]!.environment!.some((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT'));
  });

  it('points the service at the collector, which sends traces to X-Ray and metrics to CloudWatch', () => {
    const endpoint = api!.environment!.find((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')!.value;
    const config = parse(collector!.environment!.find((e) => e.name === 'AOT_CONFIG_CONTENT')!.value) as Json;
    const receivers = config.receivers as Json;
    const otlp = ((receivers.otlp as Json).protocols as Json).http as Json;
    assert.equal(endpoint, `http://${otlp.endpoint}`);
    const scrape = ((receivers.prometheus as Json).config as Json).scrape_configs as Json[];
    assert.deepEqual((scrape[0]!.static_configs as Json[])[0]!.targets, ['127.0.0.1:3000']);
    // The scrape job becomes the service.name dimension the dashboard selects on.
    const widgets = (JSON.parse(doc.one('aws_cloudwatch_dashboard').body.dashboard_body as string) as { widgets: Array<{ properties: Json }> }).widgets;
    const rows = widgets.flatMap((w) => (w.properties.metrics ?? []) as unknown[][]).filter((r) => r[0] === METRICS_NAMESPACE);
    assert.ok(rows.length > 0);
    for (const row of rows) assert.deepEqual(row.slice(2, 4), ['service.name', scrape[0]!.job_name]);
    assert.equal(scrape[0]!.metrics_path, '/metrics');
    const pipelines = (config.service as Json).pipelines as Record<string, Json>;
    assert.deepEqual(pipelines.traces!.receivers, ['otlp']);
    assert.deepEqual(pipelines.traces!.exporters, ['awsxray']);
    assert.deepEqual(pipelines.metrics!.receivers, ['prometheus']);
    assert.deepEqual(pipelines.metrics!.exporters, ['awsemf']);
    const emf = (config.exporters as Json).awsemf as Json;
    assert.equal(emf.namespace, METRICS_NAMESPACE);
    const metricsGroup = doc.resources('aws_cloudwatch_log_group').find((g) => g.body.name === emf.log_group_name);
    assert.ok(metricsGroup, 'the EMF log group is managed by the stack');
  });

  it('gives the task role exactly X-Ray writes and EMF writes to its own log group', () => {
    const task = doc.resources('aws_iam_role').find((r) => r.body.name === 'balance-api-task')!;
    const inline = doc.resources('aws_iam_role_policy').filter((p) => references(p.body.role, task.address));
    assert.equal(inline.length, 1);
    assert.equal(doc.resources('aws_iam_role_policy_attachment').filter((p) => references(p.body.role, task.address)).length, 0);
    const statements = statementsOf(doc, inline[0]!.body.policy);
    const metricsGroup = doc.resources('aws_cloudwatch_log_group').find((g) => String(g.body.name).endsWith('/metrics'))!;
    assert.deepEqual(
      statements.map((s) => ({ actions: s.actions, resources: s.resources })),
      [
        { actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'] },
        { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`\${${metricsGroup.address}.arn}:*`] },
      ],
    );
  });
});

describe('signed images in ECR', () => {
  it('expire cosign signatures by their own rule, ahead of the commit images', () => {
    const policy = JSON.parse(doc.one('aws_ecr_lifecycle_policy').body.policy as string) as {
      rules: Array<{ rulePriority: number; selection: Json }>;
    };
    const [signatures, commits] = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
    assert.deepEqual(signatures!.selection.tagPrefixList, ['sha256-']);
    assert.deepEqual(commits!.selection.tagPatternList, ['*']);
    assert.equal(signatures!.selection.countNumber, commits!.selection.countNumber);
  });
});

describe('policy scanner suppressions', () => {
  it('carry a check id and a reason on the resource, and the synth writes the matching checkov baseline', () => {
    const raw = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as Json;
    const baseline = JSON.parse(readFileSync(join(stackDir, BASELINE_FILE), 'utf8')) as {
      failed_checks: Array<{ findings: Array<{ resource: string; check_ids: string[] }> }>;
    };
    const findings = baseline.failed_checks.flatMap((f) => f.findings);
    let skipped = 0;
    for (const kind of ['resource', 'data']) {
      for (const [type, byName] of Object.entries((raw[kind] ?? {}) as Record<string, Record<string, Json>>)) {
        for (const [name, body] of Object.entries(byName)) {
          const skips = (((body['//'] as Json | undefined)?.checkov as Json | undefined)?.skip ?? []) as Array<{ id: string; comment: string }>;
          for (const skip of skips) {
            skipped++;
            assert.match(skip.id, /^CKV2?_AWS_\d+$/);
            assert.ok(skip.comment.length >= 10, `${type}.${name} ${skip.id} has a reason`);
            const address = kind === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
            assert.ok(findings.some((f) => f.resource === address && f.check_ids.includes(skip.id)), `${address} ${skip.id} in baseline`);
          }
        }
      }
    }
    assert.ok(skipped > 0, 'the constructs declare their accepted findings');
  });
});
