// Where alarms go. One KMS-encrypted SNS topic that every alarm notifies on ALARM and on OK, and
// the subscriptions the operator configured at synth time: email addresses, PagerDuty's HTTPS
// events endpoint, and a Slack channel through AWS Chatbot. With none configured the topic still
// exists, so a subscription added by hand (or a later synth) changes no alarm.
import { Construct } from 'constructs';
import { ChatbotSlackChannelConfiguration } from '@cdktf/provider-aws/lib/chatbot-slack-channel-configuration/index.js';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import type { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { skipCheck } from '../policy/checkov.js';
import type { AlertTargets } from '../stack-config.js';
import { trustPolicy } from './trust-policy.js';

export interface AlertingProps {
  readonly prefix: string;
  /** Prefix of account-wide names (see StackConfig.globalPrefix). */
  readonly globalPrefix: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly targets: AlertTargets;
  /** Provider in targets.chatbotRegion, needed only with a Slack target. */
  readonly chatbotProvider?: AwsProvider | undefined;
}

export class Alerting extends Construct {
  readonly key: KmsKey;
  readonly topic: SnsTopic;
  readonly subscriptions: SnsTopicSubscription[] = [];
  readonly slack: ChatbotSlackChannelConfiguration | undefined;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    const { partition, region, account, prefix } = props;
    const alarmArns = `arn:${partition}:cloudwatch:${region}:${account}:alarm:${prefix}-*`;

    // CloudWatch publishes to an encrypted topic only if the key lets it encrypt: a customer
    // managed key (the AWS managed alias/aws/sns cannot grant that), scoped to this account's
    // alarms of this stack.
    const keyPolicy = new DataAwsIamPolicyDocument(this, 'key-policy', {
      statement: [
        {
          sid: 'AccountAdministers',
          actions: ['kms:*'],
          resources: ['*'],
          principals: [{ type: 'AWS', identifiers: [`arn:${partition}:iam::${account}:root`] }],
        },
        {
          sid: 'AlarmsEncryptForSns',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }],
          condition: [
            { test: 'StringEquals', variable: 'aws:SourceAccount', values: [account] },
            { test: 'ArnLike', variable: 'aws:SourceArn', values: [alarmArns] },
          ],
        },
      ],
    });
    for (const id of ['CKV_AWS_109', 'CKV_AWS_111', 'CKV_AWS_356']) {
      skipCheck(keyPolicy, id, 'a key policy: "*" is this key, and the account administers its own key (AWS default)');
    }
    this.key = new KmsKey(this, 'key', {
      description: `${prefix} alert topic`,
      isEnabled: true,
      enableKeyRotation: true,
      deletionWindowInDays: 7,
      policy: keyPolicy.json,
    });
    new KmsAlias(this, 'key-alias', { name: `alias/${prefix}-alerts`, targetKeyId: this.key.keyId });

    this.topic = new SnsTopic(this, 'topic', {
      name: `${prefix}-alerts`,
      kmsMasterKeyId: this.key.arn,
    });
    const topicPolicy = new DataAwsIamPolicyDocument(this, 'topic-policy', {
      statement: [
        {
          sid: 'AlarmsPublish',
          actions: ['sns:Publish'],
          resources: [this.topic.arn],
          principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }],
          condition: [
            { test: 'StringEquals', variable: 'aws:SourceAccount', values: [account] },
            { test: 'ArnLike', variable: 'aws:SourceArn', values: [alarmArns] },
          ],
        },
      ],
    });
    new SnsTopicPolicy(this, 'topic-access', { arn: this.topic.arn, policy: topicPolicy.json });

    props.targets.emails.forEach((email, i) => {
      // Each address gets a confirmation mail; until it is confirmed, SNS sends it nothing.
      this.subscriptions.push(
        new SnsTopicSubscription(this, `email-${i}`, { topicArn: this.topic.arn, protocol: 'email', endpoint: email }),
      );
    });
    if (props.targets.pagerDutyEndpoint !== undefined) {
      // PagerDuty's CloudWatch integration confirms the subscription itself.
      this.subscriptions.push(
        new SnsTopicSubscription(this, 'pagerduty', {
          topicArn: this.topic.arn,
          protocol: 'https',
          endpoint: props.targets.pagerDutyEndpoint,
          endpointAutoConfirms: true,
        }),
      );
    }

    const slack = props.targets.slack;
    if (slack !== undefined) {
      // Chatbot only relays the topic: its role may read CloudWatch (to render alarm charts in
      // Slack) and nothing else; the guardrail caps what any channel member could do through it.
      const readOnly = `arn:${partition}:iam::aws:policy/CloudWatchReadOnlyAccess`;
      const assume = trustPolicy(this, 'chatbot-assume', 'chatbot.amazonaws.com');
      const role = new IamRole(this, 'chatbot-role', { name: `${props.globalPrefix}-chatbot`, assumeRolePolicy: assume.json });
      new IamRolePolicyAttachment(this, 'chatbot-read', { role: role.name, policyArn: readOnly });
      this.slack = new ChatbotSlackChannelConfiguration(this, 'slack', {
        // Chatbot's API lives in a few regions only; the topic may be in any region.
        ...(props.chatbotProvider === undefined ? {} : { provider: props.chatbotProvider }),
        configurationName: `${props.globalPrefix}-alerts`,
        iamRoleArn: role.arn,
        slackTeamId: slack.workspaceId,
        slackChannelId: slack.channelId,
        snsTopicArns: [this.topic.arn],
        guardrailPolicyArns: [readOnly],
        loggingLevel: 'ERROR',
      });
    }
  }
}
