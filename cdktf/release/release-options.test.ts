import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReleaseOptions, UsageError } from './release-options.js';

describe('parseReleaseOptions', () => {
  it('defaults to reading SSM and following the deployment to completion', () => {
    assert.deepEqual(parseReleaseOptions([], { AWS_REGION: 'eu-west-1' }), {
      image: undefined,
      beforeTraffic: undefined,
      until: 'complete',
      pollMs: 10_000,
      timeoutMs: 90 * 60_000,
      prefix: 'balance-api',
      region: 'eu-west-1',
      regions: ['eu-west-1'],
      emulatorEndpoint: undefined,
    });
  });

  it('takes the image, the gate, the stop point and the emulator', () => {
    const options = parseReleaseOptions(
      ['--image', `r@sha256:${'f'.repeat(64)}`, '--before-traffic', 'k6 run smoke.ts', '--until', 'shifted', '--poll-seconds', '0.5'],
      { AWS_DEFAULT_REGION: 'us-east-1', AWS_EMULATOR_ENDPOINT: 'http://127.0.0.1:5000', STACK_PREFIX: 'bal-stage' },
    );
    assert.equal(options.image, `r@sha256:${'f'.repeat(64)}`);
    assert.equal(options.beforeTraffic, 'k6 run smoke.ts');
    assert.equal(options.until, 'shifted');
    assert.equal(options.pollMs, 500);
    assert.equal(options.region, 'us-east-1');
    assert.equal(options.prefix, 'bal-stage');
    assert.equal(options.emulatorEndpoint, 'http://127.0.0.1:5000');
  });

  it('releases DEPLOY_REGIONS in their order, the first being the primary', () => {
    const options = parseReleaseOptions([], { AWS_REGION: 'us-east-1', DEPLOY_REGIONS: 'eu-west-1, us-east-2' });
    assert.equal(options.region, 'eu-west-1');
    assert.deepEqual(options.regions, ['eu-west-1', 'us-east-2']);
    assert.deepEqual(parseReleaseOptions([], { DEPLOY_REGIONS: 'ap-south-1' }).regions, ['ap-south-1']);
    assert.throws(() => parseReleaseOptions([], { DEPLOY_REGIONS: 'eu-west-1,Mars' }), /DEPLOY_REGIONS must list AWS regions like eu-west-1, got "Mars"/);
    assert.throws(() => parseReleaseOptions([], { DEPLOY_REGIONS: 'eu-west-1,eu-west-1' }), /DEPLOY_REGIONS lists eu-west-1 twice/);
  });

  it('rejects unknown flags and bad values as usage errors naming the flag', () => {
    const env = { AWS_REGION: 'eu-west-1' };
    assert.throws(() => parseReleaseOptions(['--digest', 'x'], env), UsageError);
    assert.throws(() => parseReleaseOptions(['--until', 'half'], env), /--until must be complete or shifted, got "half"/);
    assert.throws(() => parseReleaseOptions(['--poll-seconds', '0'], env), /--poll-seconds must be/);
    assert.throws(() => parseReleaseOptions(['--timeout-minutes', 'x'], env), /--timeout-minutes must be/);
    assert.throws(() => parseReleaseOptions([], {}), /AWS_REGION must be set/);
    assert.throws(() => parseReleaseOptions(['--image', 'repo:latest'], env), /--image: image must be .*a tag is not a release/);
  });
});
