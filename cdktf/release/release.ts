// One release: digest -> SSM -> task definition revision -> CodeDeploy blue/green -> followed to
// the end. Releasing the image already live does nothing; a deployment already running for the
// same image is followed instead of duplicated.
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { ResourceNames } from '../naming.js';
import { buildAppSpec } from './appspec.js';
import type { AwsClients } from './aws-clients.js';
import { ACTIVE_STATUSES } from './deployment-status.js';
import { followDeployment, type FollowResult } from './follow.js';
import { parseImageRef, type ImageRef } from './image-ref.js';
import { containerImage, revisionWithImage } from './task-definition.js';

export interface ReleaseRequest {
  readonly image: string | undefined;
  readonly beforeTraffic: ((info: DeploymentInfo, image: ImageRef) => Promise<boolean>) | undefined;
  readonly until: 'complete' | 'shifted';
  readonly pollMs: number;
  readonly timeoutMs: number;
}

export type ReleaseOutcome =
  | { readonly kind: 'unchanged'; readonly image: string }
  | { readonly kind: 'succeeded'; readonly image: string; readonly deploymentId: string }
  | { readonly kind: 'failed'; readonly image: string; readonly deploymentId: string; readonly reason: string };

export async function release(
  aws: AwsClients,
  names: ResourceNames,
  request: ReleaseRequest,
  log: (line: string) => void,
): Promise<ReleaseOutcome> {
  const group = await aws.codedeploy.send(
    new GetDeploymentGroupCommand({
      applicationName: names.codeDeployApp,
      deploymentGroupName: names.deploymentGroup,
    }),
  );
  const waits =
    group.deploymentGroupInfo?.blueGreenDeploymentConfiguration?.deploymentReadyOption?.actionOnTimeout ===
    'STOP_DEPLOYMENT';
  if (request.beforeTraffic !== undefined && !waits) {
    throw new Error(
      `--before-traffic needs the deployment group to wait for test traffic (TEST_TRAFFIC_WAIT_MINUTES > 0); ${names.deploymentGroup} shifts at once`,
    );
  }
  // Only after the group checks out: a refused release must not leave a new digest in SSM.
  const image = await resolveImage(aws, names, request.image, log);

  const follow = (deploymentId: string): Promise<FollowResult> =>
    followDeployment(aws.codedeploy, deploymentId, {
      pollMs: request.pollMs,
      timeoutMs: request.timeoutMs,
      until: request.until,
      log,
      onReady: async (info) => {
        if (request.beforeTraffic === undefined) {
          log('green is ready behind the test listener; no before-traffic check given');
          return true;
        }
        log('green is ready behind the test listener; running the before-traffic check');
        return request.beforeTraffic(info, image);
      },
    });
  const outcome = async (
    deploymentId: string,
    result: FollowResult,
    registeredArn?: string,
  ): Promise<ReleaseOutcome> => {
    if (result.ok) return { kind: 'succeeded', image: image.ref, deploymentId };
    if (registeredArn !== undefined) {
      // The family's newest ACTIVE revision is what Terraform tracks and the next release builds
      // on; a rejected revision must not be it.
      await aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: registeredArn }));
      log(`deregistered ${registeredArn}`);
    }
    // SSM names what should run. After a rollback that is the live image again, so a later
    // release without --image, or a plan, does not pick the rejected one back up.
    const live = await liveImage(aws, names);
    if (live !== undefined && live !== image.ref) {
      await putDigest(aws, names, live);
      log(`restored ${names.imageDigestParameter} to the live image ${live}`);
    }
    return { kind: 'failed', image: image.ref, deploymentId, reason: result.reason };
  };

  const active = await activeDeployment(aws, names);
  if (active !== undefined) {
    const activeImage = await deploymentImage(aws, names, active);
    if (activeImage !== image.ref) {
      throw new Error(
        `deployment ${active.deploymentId} (${active.status}) is releasing ${activeImage ?? 'an unknown image'}; ` +
          'wait for it or stop it before releasing another image',
      );
    }
    log(`deployment ${active.deploymentId} is already releasing ${image.ref}; following it`);
    return outcome(active.deploymentId!, await follow(active.deploymentId!));
  }

  const live = await liveImage(aws, names);
  if (live === image.ref) {
    log(`${image.ref} is already live; nothing to do`);
    return { kind: 'unchanged', image: image.ref };
  }
  log(`live: ${live ?? 'none'}`);
  log(`releasing: ${image.ref}`);

  const { arn: taskDefinitionArn, registered } = await revisionFor(aws, names, image.ref, log);
  const appSpec = buildAppSpec({
    taskDefinitionArn,
    containerName: names.container,
    containerPort: names.containerPort,
  });
  const created = await aws.codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: names.codeDeployApp,
      deploymentGroupName: names.deploymentGroup,
      description: `release ${image.ref}`,
      revision: { revisionType: 'AppSpecContent', appSpecContent: appSpec },
    }),
  );
  const deploymentId = created.deploymentId;
  if (deploymentId === undefined) throw new Error('CreateDeployment returned no deployment id');
  log(`created deployment ${deploymentId} (${group.deploymentGroupInfo?.deploymentConfigName ?? 'default config'})`);
  return outcome(deploymentId, await follow(deploymentId), registered ? taskDefinitionArn : undefined);
}

async function resolveImage(
  aws: AwsClients,
  names: ResourceNames,
  given: string | undefined,
  log: (line: string) => void,
): Promise<ImageRef> {
  let current: string | undefined;
  try {
    const { Parameter } = await aws.ssm.send(new GetParameterCommand({ Name: names.imageDigestParameter }));
    current = Parameter?.Value;
  } catch (error) {
    if (!(error instanceof ParameterNotFound)) throw error;
  }
  if (given === undefined) {
    if (current === undefined) throw new Error(`${names.imageDigestParameter} does not exist; pass --image`);
    log(`image from ${names.imageDigestParameter}: ${current}`);
    return parseImageRef(current);
  }
  const image = parseImageRef(given);
  if (current !== image.ref) {
    await putDigest(aws, names, image.ref);
    log(`published ${image.ref} to ${names.imageDigestParameter}`);
  }
  return image;
}

async function putDigest(aws: AwsClients, names: ResourceNames, ref: string): Promise<void> {
  await aws.ssm.send(
    new PutParameterCommand({ Name: names.imageDigestParameter, Value: ref, Type: 'String', Overwrite: true }),
  );
}

async function activeDeployment(aws: AwsClients, names: ResourceNames): Promise<DeploymentInfo | undefined> {
  const { deployments = [] } = await aws.codedeploy.send(
    new ListDeploymentsCommand({
      applicationName: names.codeDeployApp,
      deploymentGroupName: names.deploymentGroup,
      includeOnlyStatuses: [...ACTIVE_STATUSES],
    }),
  );
  for (const deploymentId of deployments) {
    const { deploymentInfo } = await aws.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    if (deploymentInfo !== undefined) return deploymentInfo;
  }
  return undefined;
}

async function deploymentImage(
  aws: AwsClients,
  names: ResourceNames,
  info: DeploymentInfo,
): Promise<string | undefined> {
  const content = info.revision?.appSpecContent?.content;
  if (content === undefined) return undefined;
  let arn: unknown;
  try {
    arn = (JSON.parse(content) as { Resources?: Array<{ TargetService?: { Properties?: { TaskDefinition?: unknown } } }> })
      .Resources?.[0]?.TargetService?.Properties?.TaskDefinition;
  } catch {
    return undefined;
  }
  if (typeof arn !== 'string') return undefined;
  const { taskDefinition } = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
  return taskDefinition === undefined ? undefined : containerImage(taskDefinition, names.container);
}

/** The image of the task definition the service runs (ECS reports the primary task set's). */
async function liveImage(aws: AwsClients, names: ResourceNames): Promise<string | undefined> {
  const { services = [], failures = [] } = await aws.ecs.send(
    new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }),
  );
  const service = services.find((s) => s.status === 'ACTIVE');
  if (service === undefined) {
    const why = failures.map((f) => f.reason).join(', ') || 'not ACTIVE';
    throw new Error(`ECS service ${names.cluster}/${names.service}: ${why}; apply the stack first`);
  }
  if (service.taskDefinition === undefined) return undefined;
  const { taskDefinition } = await aws.ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }),
  );
  return taskDefinition === undefined ? undefined : containerImage(taskDefinition, names.container);
}

/** The family's newest revision if it already runs `image` (Terraform applied it), else a new one. */
async function revisionFor(
  aws: AwsClients,
  names: ResourceNames,
  image: string,
  log: (line: string) => void,
): Promise<{ arn: string; registered: boolean }> {
  const latest = await aws.ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: names.taskFamily, include: ['TAGS'] }),
  );
  const base = latest.taskDefinition;
  if (base === undefined) throw new Error(`task definition family ${names.taskFamily} not found`);
  if (containerImage(base, names.container) === image && base.taskDefinitionArn !== undefined) {
    log(`task definition ${base.taskDefinitionArn} already runs the image`);
    return { arn: base.taskDefinitionArn, registered: false };
  }
  const registered = await aws.ecs.send(
    new RegisterTaskDefinitionCommand(revisionWithImage(base, names.container, image, latest.tags)),
  );
  const arn = registered.taskDefinition?.taskDefinitionArn;
  if (arn === undefined) throw new Error('RegisterTaskDefinition returned no ARN');
  log(`registered ${arn}`);
  return { arn, registered: true };
}
