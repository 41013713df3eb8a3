import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inRegion, parseImageRef } from './image-ref.js';

const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('parseImageRef', () => {
  it('splits an ECR digest reference into repository and digest', () => {
    const ref = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/balance-api@${digest}`;
    assert.deepEqual(parseImageRef(` ${ref}\n`), {
      repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/balance-api',
      digest,
      ref,
    });
  });

  it('refuses a tag, explaining that releases go by digest', () => {
    assert.throws(
      () => parseImageRef('123456789012.dkr.ecr.eu-west-1.amazonaws.com/balance-api:latest'),
      /image must be "<registry>\/<repository>@sha256:<64 hex digits>", got ".*:latest" \(a tag is not a release/,
    );
  });

  it('refuses short, uppercase or non-sha256 digests', () => {
    for (const bad of [
      `repo@sha256:${'a'.repeat(63)}`,
      `repo@sha256:${'A'.repeat(64)}`,
      `repo@sha512:${'a'.repeat(64)}`,
      `@${digest}`,
    ]) {
      assert.throws(() => parseImageRef(bad), /image must be/, bad);
    }
  });
});

describe('inRegion', () => {
  it('names the same digest in another region\'s ECR registry', () => {
    const primary = parseImageRef(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/balance-api@${digest}`);
    assert.deepEqual(inRegion(primary, 'us-east-2'), {
      repository: '123456789012.dkr.ecr.us-east-2.amazonaws.com/balance-api',
      digest,
      ref: `123456789012.dkr.ecr.us-east-2.amazonaws.com/balance-api@${digest}`,
    });
    const china = parseImageRef(`123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/balance-api@${digest}`);
    assert.equal(inRegion(china, 'cn-northwest-1').ref, `123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn/balance-api@${digest}`);
  });

  it('leaves a reference outside ECR as it is', () => {
    const other = parseImageRef(`ghcr.io/acme/balance-api@${digest}`);
    assert.equal(inRegion(other, 'us-east-2'), other);
  });
});
