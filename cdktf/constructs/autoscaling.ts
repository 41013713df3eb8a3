// Target tracking on CPU and on ALB requests per task. The predefined ALBRequestCountPerTarget
// metric is tied to one target group, and blue/green moves production traffic between two, so a
// policy on "blue" would go blind after the first release. The same quantity is computed instead
// from the ALB's RequestCount over the service's running tasks (Container Insights), which does
// not care which colour is live.
import { Construct } from 'constructs';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy/index.js';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target/index.js';

export interface AutoscalingProps {
  readonly prefix: string;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly loadBalancerArnSuffix: string;
  readonly minCount: number;
  readonly maxCount: number;
  readonly cpuTargetPercent?: number;
  /** Requests per task per minute. */
  readonly requestsPerTaskTarget?: number;
}

export class Autoscaling extends Construct {
  readonly target: AppautoscalingTarget;

  constructor(scope: Construct, id: string, props: AutoscalingProps) {
    super(scope, id);
    this.target = new AppautoscalingTarget(this, 'target', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${props.clusterName}/${props.serviceName}`,
      minCapacity: props.minCount,
      maxCapacity: props.maxCount,
    });
    const common = {
      serviceNamespace: this.target.serviceNamespace,
      scalableDimension: this.target.scalableDimension,
      resourceId: this.target.resourceId,
      policyType: 'TargetTrackingScaling',
    };
    new AppautoscalingPolicy(this, 'cpu', {
      ...common,
      name: `${props.prefix}-cpu`,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.cpuTargetPercent ?? 60,
        predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });
    new AppautoscalingPolicy(this, 'requests', {
      ...common,
      name: `${props.prefix}-requests-per-task`,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.requestsPerTaskTarget ?? 12_000,
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'requests',
              returnData: false,
              metricStat: {
                stat: 'Sum',
                metric: {
                  namespace: 'AWS/ApplicationELB',
                  metricName: 'RequestCount',
                  dimensions: [{ name: 'LoadBalancer', value: props.loadBalancerArnSuffix }],
                },
              },
            },
            {
              id: 'tasks',
              returnData: false,
              metricStat: {
                stat: 'Average',
                metric: {
                  namespace: 'ECS/ContainerInsights',
                  metricName: 'RunningTaskCount',
                  dimensions: [
                    { name: 'ClusterName', value: props.clusterName },
                    { name: 'ServiceName', value: props.serviceName },
                  ],
                },
              },
            },
            {
              id: 'per_task',
              label: 'ALB requests per running task',
              expression: 'requests / tasks',
              returnData: true,
            },
          ],
        },
      },
    });
  }
}
