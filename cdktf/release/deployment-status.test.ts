import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { describeDeployment, phaseOf } from './deployment-status.js';

describe('phaseOf', () => {
  const cases: Array<[Partial<DeploymentInfo>, string]> = [
    [{ status: 'Created' }, 'pending'],
    [{ status: 'Queued' }, 'pending'],
    [{ status: 'InProgress' }, 'shifting'],
    [{ status: 'InProgress', instanceTerminationWaitTimeStarted: true }, 'baking'],
    [{ status: 'Ready' }, 'waiting-for-test'],
    [{ status: 'Baking' }, 'baking'],
    [{ status: 'Succeeded' }, 'succeeded'],
    [{ status: 'Failed' }, 'failed'],
    [{ status: 'Stopped' }, 'failed'],
  ];
  for (const [info, phase] of cases) {
    it(`${JSON.stringify(info)} -> ${phase}`, () => assert.equal(phaseOf(info as DeploymentInfo), phase));
  }
});

describe('describeDeployment', () => {
  it('says why a deployment stopped and that it rolled back', () => {
    assert.equal(
      describeDeployment({
        deploymentId: 'd-ABC',
        status: 'Stopped',
        errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated: balance-api-green-p99-latency' },
        rollbackInfo: { rollbackDeploymentId: 'd-DEF', rollbackMessage: 'rolled back' },
      }),
      'd-ABC Stopped - ALARM_ACTIVE: One or more alarms have been activated: balance-api-green-p99-latency - rollback: rolled back - rollback deployment d-DEF',
    );
  });

  it('tells waiting, shifting and baking apart', () => {
    assert.equal(describeDeployment({ deploymentId: 'd-1', status: 'Ready' }), 'd-1 Ready - green is up behind the test listener');
    assert.equal(
      describeDeployment({ deploymentId: 'd-1', status: 'InProgress', instanceTerminationWaitTimeStarted: true }),
      'd-1 InProgress - all production traffic on green; blue kept for rollback',
    );
  });
});
