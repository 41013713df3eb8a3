// A stack's alert topic and subscriptions, with AWS Chatbot's provider where its API lives: the
// same wiring for every regional stack and for the global stack's health-check alarms.
import type { TerraformStack } from 'cdktf';
import type { StackConfig } from '../stack-config.js';
import { Alerting } from './alerting.js';
import { regionalProvider } from './aws-provider.js';

export function stackAlerting(
  stack: TerraformStack,
  config: StackConfig,
  ids: { readonly partition: string; readonly account: string; readonly prefix: string },
): Alerting {
  return new Alerting(stack, 'alerting', {
    prefix: ids.prefix,
    globalPrefix: config.globalPrefix,
    partition: ids.partition,
    region: config.region,
    account: ids.account,
    targets: config.alerts,
    chatbotProvider:
      config.alerts.slack === undefined || config.alerts.chatbotRegion === config.region
        ? undefined
        : regionalProvider(stack, config, config.alerts.chatbotRegion, 'chatbot'),
  });
}
