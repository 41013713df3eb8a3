import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { containerImage, revisionWithImage } from './task-definition.js';

// The two containers as registered; the api container's image is what a release changes.
const api = {
  name: 'api',
  readonlyRootFilesystem: true,
  secrets: [{ name: 'API_KEYS', valueFrom: 'arn:aws:ssm:eu-west-1:123456789012:parameter/int/balance-api/api_keys' }],
};
const sidecar = { name: 'sidecar', image: 'otel/collector:1' };

// The shape DescribeTaskDefinition returns, including the read-only fields Register rejects.
const described: TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/balance-api:4',
  family: 'balance-api',
  revision: 4,
  status: 'ACTIVE',
  taskRoleArn: 'arn:aws:iam::123456789012:role/balance-api-task',
  executionRoleArn: 'arn:aws:iam::123456789012:role/balance-api-execution',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  compatibilities: ['EC2', 'FARGATE'],
  requiresAttributes: [{ name: 'ecs.capability.secrets.ssm.environment-variables' }],
  cpu: '512',
  memory: '1024',
  runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' },
  volumes: [{ name: 'tmp' }],
  registeredAt: new Date(0),
  registeredBy: 'arn:aws:sts::123456789012:assumed-role/ci',
  containerDefinitions: [{ ...api, image: 'repo@sha256:old' }, { ...sidecar }],
};

describe('revisionWithImage', () => {
  it('copies the registrable fields and changes only the named container image', () => {
    const input = revisionWithImage(described, 'api', 'repo@sha256:new', [{ key: 'service', value: 'balance-api' }]);
    assert.deepEqual(input, {
      family: 'balance-api',
      taskRoleArn: 'arn:aws:iam::123456789012:role/balance-api-task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/balance-api-execution',
      networkMode: 'awsvpc',
      containerDefinitions: [{ ...api, image: 'repo@sha256:new' }, sidecar],
      volumes: [{ name: 'tmp' }],
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' },
      tags: [{ key: 'service', value: 'balance-api' }],
    });
    assert.equal(described.containerDefinitions?.[0]?.image, 'repo@sha256:old', 'the input is not mutated');
  });

  it('fails loudly when the container is missing', () => {
    assert.throws(() => revisionWithImage(described, 'web', 'x'), /balance-api:4 has no container "web"/);
  });
});

describe('containerImage', () => {
  it('reads the named container image', () => {
    assert.equal(containerImage(described, 'sidecar'), 'otel/collector:1');
  });
});
