// CodeDeploy deployment states, as the release program reads them.
import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';

export type Phase = 'pending' | 'waiting-for-test' | 'shifting' | 'baking' | 'succeeded' | 'failed';

export const ACTIVE_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;

export function phaseOf(info: DeploymentInfo): Phase {
  switch (info.status) {
    case 'Succeeded':
      return 'succeeded';
    case 'Failed':
    case 'Stopped':
      return 'failed';
    case 'Ready':
      return 'waiting-for-test';
    case 'Baking':
      return 'baking';
    case 'InProgress':
      // Production traffic is fully on green and blue waits out its termination delay.
      return info.instanceTerminationWaitTimeStarted === true ? 'baking' : 'shifting';
    default:
      return 'pending';
  }
}

/** One line per change the operator should see; the same state twice yields the same line. */
export function describeDeployment(info: DeploymentInfo): string {
  const parts = [`${info.deploymentId ?? '?'} ${info.status ?? 'Unknown'}`];
  const phase = phaseOf(info);
  if (phase === 'waiting-for-test') parts.push('green is up behind the test listener');
  if (phase === 'shifting') parts.push('green task set starting or production traffic shifting');
  if (phase === 'baking') parts.push('all production traffic on green; blue kept for rollback');
  if (info.errorInformation?.code !== undefined) {
    parts.push(`${info.errorInformation.code}: ${info.errorInformation.message ?? ''}`.trim());
  }
  if (info.rollbackInfo?.rollbackMessage !== undefined) {
    parts.push(`rollback: ${info.rollbackInfo.rollbackMessage}`);
  }
  if (info.rollbackInfo?.rollbackDeploymentId !== undefined) {
    parts.push(`rollback deployment ${info.rollbackInfo.rollbackDeploymentId}`);
  }
  return parts.join(' - ');
}
