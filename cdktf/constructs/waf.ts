// WAF v2 on the ALB: a per-IP rate limit and AWS's IP reputation list in front of everything.
import { Construct } from 'constructs';
import { skipCheck } from '../policy/checkov.js';
import { Wafv2WebAcl } from '@cdktf/provider-aws/lib/wafv2-web-acl/index.js';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association/index.js';

export interface WafProps {
  readonly prefix: string;
  readonly loadBalancerArn: string;
  /** Requests per 5-minute window per client IP. */
  readonly rateLimit: number;
}

function visibility(metricName: string) {
  return { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}

export class Waf extends Construct {
  readonly acl: Wafv2WebAcl;

  constructor(scope: Construct, id: string, props: WafProps) {
    super(scope, id);
    this.acl = new Wafv2WebAcl(this, 'acl', {
      name: props.prefix,
      description: 'balance-api: per-IP rate limit and AWS IP reputation list',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      // The provider's `statement` block is too deep for generated types; it is passed through
      // verbatim, hence Terraform's snake_case names.
      rule: [
        {
          name: 'aws-ip-reputation',
          priority: 0,
          overrideAction: { none: {} },
          statement: {
            managed_rule_group_statement: {
              vendor_name: 'AWS',
              name: 'AWSManagedRulesAmazonIpReputationList',
            },
          },
          visibilityConfig: visibility(`${props.prefix}-ip-reputation`),
        },
        {
          name: 'rate-limit-per-ip',
          priority: 1,
          action: { block: {} },
          statement: {
            rate_based_statement: { limit: props.rateLimit, aggregate_key_type: 'IP' },
          },
          visibilityConfig: visibility(`${props.prefix}-rate-limit`),
        },
      ],
      visibilityConfig: visibility(props.prefix),
    });
    skipCheck(this.acl, 'CKV_AWS_192', 'Node.js service: the Log4j rule set guards Java stacks, none here');
    skipCheck(this.acl, 'CKV2_AWS_76', 'Node.js service: the Log4j rule set guards Java stacks, none here');
    skipCheck(this.acl, 'CKV2_AWS_31', 'sampled requests and per-rule CloudWatch metrics are on; full WAF logs cost per request');
    new Wafv2WebAclAssociation(this, 'alb', {
      resourceArn: props.loadBalancerArn,
      webAclArn: this.acl.arn,
    });
  }
}
