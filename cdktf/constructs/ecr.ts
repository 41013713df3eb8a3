// The image repository: immutable tags (a tag can never be repointed under a running service),
// scan on push, and a lifecycle that bounds storage without touching what releases reference.
import { Construct } from 'constructs';
import { skipCheck } from '../policy/checkov.js';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy/index.js';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository/index.js';

export interface EcrProps {
  readonly name: string;
  readonly forceDelete: boolean;
}

export class Ecr extends Construct {
  readonly repository: EcrRepository;

  constructor(scope: Construct, id: string, props: EcrProps) {
    super(scope, id);
    this.repository = new EcrRepository(this, 'repo', {
      name: props.name,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'AES256' }],
      forceDelete: props.forceDelete,
    });
    skipCheck(this.repository, 'CKV_AWS_136', 'AES-256 at rest; the image holds no secrets (keys come from SSM at task start)');
    // Only tagged images (CI tags each push with the commit) are expired. Untagged entries are
    // the per-architecture manifests of multi-arch images; expiring them would break an index.
    // cosign stores a signature under the tag `sha256-<image digest>[.sig]`: its own rule, first,
    // so signatures never count against (or get expired by) the commit-image rule.
    new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: 'keep the signatures of the newest 200 commit images',
            selection: {
              tagStatus: 'tagged',
              tagPrefixList: ['sha256-'],
              countType: 'imageCountMoreThan',
              countNumber: 200,
            },
            action: { type: 'expire' },
          },
          {
            rulePriority: 2,
            description: 'keep the newest 200 commit images',
            selection: {
              tagStatus: 'tagged',
              tagPatternList: ['*'],
              countType: 'imageCountMoreThan',
              countNumber: 200,
            },
            action: { type: 'expire' },
          },
        ],
      }),
    });
  }
}
