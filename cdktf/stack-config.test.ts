import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadStackConfig } from './stack-config.js';

describe('loadStackConfig', () => {
  it('has production defaults: two NAT gateways, two tasks minimum, canary 10% for 5 minutes', () => {
    const config = loadStackConfig({});
    assert.equal(config.region, 'us-east-1');
    assert.equal(config.natGateways, 2);
    assert.equal(config.minCount, 2);
    assert.equal(config.deploymentConfigName, 'CodeDeployDefault.ECSCanary10Percent5Minutes');
    assert.equal(config.testListenerPort, 8080);
    assert.equal(config.deletionProtection, true);
    assert.deepEqual(config.backend, { kind: 'local', path: 'terraform.tfstate' });
    assert.deepEqual(config.secretNames, ['INFURA_PROJECT_ID', 'INFURA_PROJECT_SECRET', 'API_KEYS']);
    assert.ok(Object.isFrozen(config));
  });

  it('moves the test listener to 8443 with a certificate and turns deletion protection off for the emulator', () => {
    const config = loadStackConfig({
      CERTIFICATE_ARN: 'arn:aws:acm:us-east-1:1:certificate/x',
      AWS_EMULATOR_ENDPOINT: 'http://127.0.0.1:5000/',
    });
    assert.equal(config.testListenerPort, 8443);
    assert.equal(config.emulatorEndpoint, 'http://127.0.0.1:5000');
    assert.equal(config.deletionProtection, false);
  });

  it('names the offending variable', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ MIN_TASKS: '1' }, /MIN_TASKS must be an integer from 2 to 100, got "1"/],
      [{ MIN_TASKS: '4', MAX_TASKS: '3' }, /MAX_TASKS must be an integer from 4 to 200, got "3"/],
      [{ NAT_GATEWAYS: '3' }, /NAT_GATEWAYS must be an integer from 1 to 2/],
      [{ TASK_CPU: '300' }, /TASK_CPU must be one of 256, 512, 1024, 2048, 4096, got "300"/],
      [{ SECRET_NAMES: 'INFURA_PROJECT_ID,api-keys' }, /SECRET_NAMES must list environment variable names, got "api-keys"/],
      [{ TEST_LISTENER_ALLOW_CIDRS: '10.0.0.0/33' }, /TEST_LISTENER_ALLOW_CIDRS must hold IPv4 CIDRs/],
      [{ VPC_CIDR: '10.0.0.0/20' }, /VPC_CIDR must be a \/16/],
      [{ AWS_EMULATOR_ENDPOINT: 'localhost:4566' }, /AWS_EMULATOR_ENDPOINT must be an http\(s\) origin/],
      [{ CERTIFICATE_ARN: 'my-cert' }, /CERTIFICATE_ARN must be an ARN/],
      [{ CPU_ARCHITECTURE: 'arm' }, /CPU_ARCHITECTURE must be X86_64 or ARM64, got "arm"/],
      [{ DELETION_PROTECTION: 'yes' }, /DELETION_PROTECTION must be true or false/],
      [{ STACK_PREFIX: 'Balance' }, /STACK_PREFIX must be/],
    ];
    for (const [env, message] of cases) assert.throws(() => loadStackConfig(env), message, JSON.stringify(env));
  });

  it('stores state in S3 when a bucket is named', () => {
    assert.deepEqual(loadStackConfig({ AWS_REGION: 'eu-west-1', TF_STATE_BUCKET: 'b', TF_STATE_REGION: 'us-east-2' }).backend, {
      kind: 's3',
      bucket: 'b',
      key: 'balance-api/terraform.tfstate',
      region: 'us-east-2',
    });
  });
});
