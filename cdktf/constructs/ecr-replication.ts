// CI pushes to the primary region's repository only; ECR copies every image (and its cosign
// signature, a tag in the same repository) to the same repository name in each other region, so
// one digest runs everywhere. A registry holds one replication configuration per region: this
// stack owns the primary's.
import { Construct } from 'constructs';
import { EcrReplicationConfiguration } from '@cdktf/provider-aws/lib/ecr-replication-configuration/index.js';
import type { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';

export interface EcrReplicationProps {
  /** Provider in the primary region. */
  readonly provider: AwsProvider | undefined;
  readonly account: string;
  readonly repository: string;
  readonly destinations: readonly string[];
}

export class EcrReplication extends Construct {
  readonly configuration: EcrReplicationConfiguration;

  constructor(scope: Construct, id: string, props: EcrReplicationProps) {
    super(scope, id);
    this.configuration = new EcrReplicationConfiguration(this, 'replication', {
      ...(props.provider === undefined ? {} : { provider: props.provider }),
      replicationConfiguration: {
        rule: [
          {
            destination: props.destinations.map((region) => ({ region, registryId: props.account })),
            repositoryFilter: [{ filter: props.repository, filterType: 'PREFIX_MATCH' }],
          },
        ],
      },
    });
  }
}
