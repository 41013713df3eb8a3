// A new task definition revision is the newest revision of the family with one change: the
// container's image. Everything else (env, secrets, roles, sizes) stays as Terraform defined it.
import type {
  RegisterTaskDefinitionCommandInput,
  Tag,
  TaskDefinition,
} from '@aws-sdk/client-ecs';

export function containerImage(taskDefinition: TaskDefinition, containerName: string): string {
  const container = taskDefinition.containerDefinitions?.find((c) => c.name === containerName);
  if (container === undefined) {
    throw new Error(
      `task definition ${taskDefinition.taskDefinitionArn ?? taskDefinition.family} has no container "${containerName}"`,
    );
  }
  return container.image ?? '';
}

export function revisionWithImage(
  base: TaskDefinition,
  containerName: string,
  image: string,
  tags: readonly Tag[] = [],
): RegisterTaskDefinitionCommandInput {
  containerImage(base, containerName);
  const input: RegisterTaskDefinitionCommandInput = {
    family: base.family,
    taskRoleArn: base.taskRoleArn,
    executionRoleArn: base.executionRoleArn,
    networkMode: base.networkMode,
    containerDefinitions: (base.containerDefinitions ?? []).map((container) =>
      container.name === containerName ? { ...container, image } : container,
    ),
    volumes: base.volumes,
    placementConstraints: base.placementConstraints,
    requiresCompatibilities: base.requiresCompatibilities,
    cpu: base.cpu,
    memory: base.memory,
    pidMode: base.pidMode,
    ipcMode: base.ipcMode,
    proxyConfiguration: base.proxyConfiguration,
    inferenceAccelerators: base.inferenceAccelerators,
    ephemeralStorage: base.ephemeralStorage,
    runtimePlatform: base.runtimePlatform,
    enableFaultInjection: base.enableFaultInjection,
    ...(tags.length > 0 ? { tags: [...tags] } : {}),
  };
  // Drop unset fields: RegisterTaskDefinition rejects some explicit empties.
  return Object.fromEntries(
    Object.entries(input).filter(([, value]) => value !== undefined && value !== null),
  ) as RegisterTaskDefinitionCommandInput;
}
