// Follows one CodeDeploy deployment to its end, printing each change. When green is up behind the
// test listener (status Ready) it runs the before-traffic check and continues the deployment or
// stops it with rollback. A deployment that outlives the timeout is stopped with rollback too.
import {
  ContinueDeploymentCommand,
  GetDeploymentCommand,
  StopDeploymentCommand,
  type CodeDeployClient,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { describeDeployment, phaseOf } from './deployment-status.js';

export interface FollowOptions {
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly until: 'complete' | 'shifted';
  /** Called once when the deployment waits for test traffic; false stops it with rollback. */
  readonly onReady: (info: DeploymentInfo) => Promise<boolean>;
  readonly log: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export type FollowResult =
  | { readonly ok: true; readonly info: DeploymentInfo }
  | { readonly ok: false; readonly info: DeploymentInfo; readonly reason: string };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function followDeployment(
  codedeploy: CodeDeployClient,
  deploymentId: string,
  options: FollowOptions,
): Promise<FollowResult> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  let lastLine = '';
  let readyHandled = false;
  let stopRequested: string | undefined;

  for (;;) {
    const { deploymentInfo: info } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    if (info === undefined) throw new Error(`deployment ${deploymentId} not found`);
    const line = describeDeployment(info);
    if (line !== lastLine) {
      options.log(line);
      lastLine = line;
    }
    const phase = phaseOf(info);
    if (phase === 'succeeded') {
      return stopRequested === undefined
        ? { ok: true, info }
        : { ok: false, info, reason: `${stopRequested}, but the deployment had already succeeded` };
    }
    if (phase === 'failed') {
      const why = info.errorInformation?.code ?? info.status ?? 'failed';
      return { ok: false, info, reason: stopRequested ?? `deployment ${info.status}: ${why}` };
    }
    if (phase === 'baking' && options.until === 'shifted' && stopRequested === undefined) {
      options.log('production traffic fully shifted; not waiting for the blue termination delay');
      return { ok: true, info };
    }
    if (phase === 'waiting-for-test' && !readyHandled && stopRequested === undefined) {
      readyHandled = true;
      if (await options.onReady(info)) {
        options.log('continuing: shifting production traffic to green');
        await codedeploy.send(
          new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: 'READY_WAIT' }),
        );
        continue;
      }
      stopRequested = 'the before-traffic check failed';
      options.log(`stopping with rollback: ${stopRequested}`);
      await codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
      continue;
    }
    if (now() >= deadline && stopRequested === undefined) {
      stopRequested = `timed out after ${Math.round(options.timeoutMs / 60_000)} min`;
      options.log(`stopping with rollback: ${stopRequested}`);
      await codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
      continue;
    }
    await sleep(options.pollMs);
  }
}
