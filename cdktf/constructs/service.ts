// ECS cluster, Fargate task definition and service. The image comes from the SSM parameter CI
// writes (`repo@sha256:...`); provider keys come from SSM SecureString as ECS secrets. CodeDeploy
// owns the service's task definition and load balancer after creation, so Terraform ignores them.
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter/index.js';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster/index.js';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service/index.js';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition/index.js';
import type { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import type { ResourceNames } from '../naming.js';
import { HEALTH_CHECK_COMMAND } from './health-check.js';
import { skipCheck } from '../policy/checkov.js';
import { TaskRoles } from './task-roles.js';
import { collectorContainer, collectorStatements, SERVICE_TELEMETRY_ENV } from './telemetry.js';

export interface ServiceProps {
  readonly names: ResourceNames;
  /** Prefix of account-wide names (see StackConfig.globalPrefix). */
  readonly globalPrefix: string;
  readonly region: string;
  readonly vpcId: string;
  readonly privateSubnetIds: string[];
  readonly albSecurityGroupId: string;
  readonly blueTargetGroupArn: string;
  readonly listeners: LbListener[];
  readonly repositoryArn: string;
  readonly cpu: number;
  readonly memory: number;
  readonly cpuArchitecture: 'X86_64' | 'ARM64';
  readonly desiredCount: number;
  readonly environment: Readonly<Record<string, string>>;
  /** Environment variable name -> SSM parameter ARN. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Run the ADOT collector sidecar (traces to X-Ray, metrics to CloudWatch). */
  readonly telemetrySidecar: boolean;
}

export class Service extends Construct {
  readonly cluster: EcsCluster;
  readonly service: EcsService;
  readonly taskDefinition: EcsTaskDefinition;
  readonly securityGroup: SecurityGroup;
  readonly roles: TaskRoles;
  /** EMF log group the collector writes the service's metrics to; undefined without the sidecar. */
  readonly metricsLogGroup: CloudwatchLogGroup | undefined;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    const { names } = props;
    this.cluster = new EcsCluster(this, 'cluster', {
      name: names.cluster,
      setting: [{ name: 'containerInsights', value: 'enabled' }],
    });
    const logs = new CloudwatchLogGroup(this, 'logs', {
      name: names.logGroup,
      retentionInDays: 30,
    });
    logLimits(logs);
    // CloudWatch extracts the metrics from these EMF events; the events themselves are kept briefly.
    this.metricsLogGroup = props.telemetrySidecar
      ? new CloudwatchLogGroup(this, 'metrics-logs', { name: `${names.logGroup}/metrics`, retentionInDays: 7 })
      : undefined;
    if (this.metricsLogGroup !== undefined) logLimits(this.metricsLogGroup);
    this.roles = new TaskRoles(this, 'roles', {
      prefix: props.globalPrefix,
      repositoryArn: props.repositoryArn,
      logGroupArn: logs.arn,
      secretParameterArns: Object.values(props.secrets),
      taskStatements: this.metricsLogGroup === undefined ? [] : collectorStatements(this.metricsLogGroup.arn),
    });
    // insecure_value: the digest is not secret, and a sensitive value would hide the whole
    // container definition in every plan.
    const image = new DataAwsSsmParameter(this, 'image-digest', {
      name: names.imageDigestParameter,
    });

    const container = {
      name: names.container,
      image: image.insecureValue,
      essential: true,
      user: '1000:1000',
      readonlyRootFilesystem: true,
      portMappings: [
        {
          containerPort: names.containerPort,
          hostPort: names.containerPort,
          protocol: 'tcp',
        },
      ],
      environment: Object.entries({ ...props.environment, ...(props.telemetrySidecar ? SERVICE_TELEMETRY_ENV : {}) })
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => ({ name, value })),
      secrets: Object.entries(props.secrets)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, valueFrom]) => ({ name, valueFrom })),
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': names.logGroup,
          'awslogs-region': props.region,
          'awslogs-stream-prefix': names.container,
        },
      },
      healthCheck: {
        command: HEALTH_CHECK_COMMAND,
        interval: 10,
        timeout: 5,
        retries: 3,
        startPeriod: 15,
      },
      // The service drains in-flight requests and exits within 20 s of SIGTERM.
      stopTimeout: 30,
      // An init process reaps zombies and forwards signals; node still gets SIGTERM.
      linuxParameters: { initProcessEnabled: true },
      // The only writable path on a read-only root filesystem.
      mountPoints: [{ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false }],
      ulimits: [{ name: 'nofile', softLimit: 65536, hardLimit: 65536 }],
      volumesFrom: [],
    };

    this.taskDefinition = new EcsTaskDefinition(this, 'task', {
      family: names.taskFamily,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(props.cpu),
      memory: String(props.memory),
      executionRoleArn: this.roles.executionRole.arn,
      taskRoleArn: this.roles.taskRole.arn,
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: props.cpuArchitecture },
      volume: [{ name: 'tmp' }],
      // Plain JSON with Terraform interpolations inside (the image): readable in cdk.tf.json.
      containerDefinitions: JSON.stringify(
        this.metricsLogGroup === undefined
          ? [container]
          : [
              container,
              collectorContainer({
                region: props.region,
                serviceName: names.service,
                metricsPort: names.containerPort,
                metricsLogGroup: `${names.logGroup}/metrics`,
                logGroup: names.logGroup,
              }),
            ],
      ),
      // The release program registers revisions of this family; read the newest one so a plan
      // after a release compares against what is live, and keep old revisions for rollbacks.
      trackLatest: true,
      skipDestroy: true,
    });

    this.securityGroup = new SecurityGroup(this, 'sg', {
      name: `${names.service}-tasks`,
      description: 'balance-api tasks: from the ALB only',
      vpcId: props.vpcId,
      tags: { Name: `${names.service}-tasks` },
    });
    new VpcSecurityGroupIngressRule(this, 'from-alb', {
      securityGroupId: this.securityGroup.id,
      description: 'ALB to container port',
      ipProtocol: 'tcp',
      fromPort: names.containerPort,
      toPort: names.containerPort,
      referencedSecurityGroupId: props.albSecurityGroupId,
    });
    // HTTPS out: JSON-RPC providers, ECR, SSM, CloudWatch Logs.
    new VpcSecurityGroupEgressRule(this, 'https-out', {
      securityGroupId: this.securityGroup.id,
      description: 'HTTPS to providers and AWS APIs',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: '0.0.0.0/0',
    });

    this.service = new EcsService(this, 'service', {
      name: names.service,
      cluster: this.cluster.arn,
      taskDefinition: this.taskDefinition.arn,
      desiredCount: props.desiredCount,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      deploymentController: { type: 'CODE_DEPLOY' },
      loadBalancer: [
        {
          targetGroupArn: props.blueTargetGroupArn,
          containerName: names.container,
          containerPort: names.containerPort,
        },
      ],
      networkConfiguration: {
        subnets: props.privateSubnetIds,
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      healthCheckGracePeriodSeconds: 30,
      enableEcsManagedTags: true,
      propagateTags: 'SERVICE',
      // CodeDeploy swaps task definition and target group on every release; autoscaling owns
      // the count. Terraform must not undo either.
      lifecycle: { ignoreChanges: ['task_definition', 'load_balancer', 'desired_count'] },
      dependsOn: props.listeners,
    });
  }
}

function logLimits(group: CloudwatchLogGroup): void {
  skipCheck(group, 'CKV_AWS_158', 'CloudWatch Logs encrypts at rest; log lines are redacted and carry no keys');
  skipCheck(group, 'CKV_AWS_338', 'operational logs: 30 days (EMF events 7; CloudWatch keeps the extracted metrics 15 months)');
}
