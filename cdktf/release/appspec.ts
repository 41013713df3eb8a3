// AppSpec content for an ECS blue/green deployment: which task definition green runs and which
// container and port the target groups route to.
import { createHash } from 'node:crypto';

export interface AppSpecInput {
  readonly taskDefinitionArn: string;
  readonly containerName: string;
  readonly containerPort: number;
}

export interface AppSpec {
  readonly content: string;
  readonly sha256: string;
}

export function buildAppSpec(input: AppSpecInput): AppSpec {
  const resources = [
    {
      TargetService: {
        Type: 'AWS::ECS::Service',
        Properties: {
          TaskDefinition: input.taskDefinitionArn,
          LoadBalancerInfo: {
            ContainerName: input.containerName,
            ContainerPort: input.containerPort,
          },
        },
      },
    },
  ];
  // AppSpec wants the version as the number 0.0, which JSON.stringify would print as 0.
  const content = `{"version":0.0,"Resources":${JSON.stringify(resources)}}`;
  return { content, sha256: createHash('sha256').update(content).digest('hex') };
}
