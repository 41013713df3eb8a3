import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildAppSpec } from './appspec.js';

describe('buildAppSpec', () => {
  it('names the task definition, container and port for the ECS blue/green target service', () => {
    const spec = buildAppSpec({
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/balance-api:7',
      containerName: 'api',
      containerPort: 3000,
    });
    assert.equal(
      spec.content,
      '{"version":0.0,"Resources":[{"TargetService":{"Type":"AWS::ECS::Service","Properties":' +
        '{"TaskDefinition":"arn:aws:ecs:eu-west-1:123456789012:task-definition/balance-api:7",' +
        '"LoadBalancerInfo":{"ContainerName":"api","ContainerPort":3000}}}}]}',
    );
    assert.deepEqual(JSON.parse(spec.content).Resources[0].TargetService.Properties.LoadBalancerInfo, {
      ContainerName: 'api',
      ContainerPort: 3000,
    });
    assert.equal(spec.sha256, createHash('sha256').update(spec.content).digest('hex'));
  });
});
