// What several regions share: API_DOMAIN's records and health checks with their alarms (Route53's
// metrics exist only in us-east-1, so this stack, its alert topic and its state live there), and
// ECR replication from the primary. Applied after the regional stacks, whose names it points at.
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { configureProvider, regionalProvider } from './constructs/aws-provider.js';
import { DnsRouting } from './constructs/dns-routing.js';
import { EcrReplication } from './constructs/ecr-replication.js';
import { stackAlerting } from './constructs/stack-alerting.js';
import type { GlobalStackConfig } from './deployment-config.js';
import { resourceNames } from './naming.js';

export class GlobalStack extends TerraformStack {
  constructor(scope: Construct, global: GlobalStackConfig) {
    const config = global.base;
    super(scope, config.stackName);
    configureProvider(this, config);
    const partition = new DataAwsPartition(this, 'partition').partition;
    const account = new DataAwsCallerIdentity(this, 'account').accountId;

    // The same subscribers as every regional topic: a health-check alarm pages like any other.
    const alerting = stackAlerting(this, config, { partition, account, prefix: config.globalPrefix });
    const dns = new DnsRouting(this, 'dns', {
      prefix: config.globalPrefix,
      domain: global.domain,
      regions: global.regions,
      routing: global.routing,
      notify: [alerting.topic.arn],
    });
    const [primary, ...others] = global.regions;
    new EcrReplication(this, 'ecr', {
      provider: primary === config.region ? undefined : regionalProvider(this, config, primary!, 'primary'),
      account,
      repository: resourceNames(config.prefix).ecrRepository,
      destinations: others,
    });

    new TerraformOutput(this, 'url', { value: `https://${global.domain.name}` });
    new TerraformOutput(this, 'routing', { value: global.routing });
    new TerraformOutput(this, 'health_check_ids', {
      value: Object.fromEntries(global.regions.map((region, i) => [region, dns.healthChecks[i]!.id])),
    });
    new TerraformOutput(this, 'alert_topic_arn', { value: alerting.topic.arn });
  }
}
