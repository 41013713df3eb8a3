// Provider and state backend. Emulator mode points every service the stack touches at one local
// endpoint; without it the same stack targets real AWS with the ambient credentials (OIDC in CI).
import { LocalBackend, S3Backend, type TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import type { StackConfig } from '../stack-config.js';

// Every service used by this stack. The provider validates the key names, so a new resource type
// from an unlisted service fails loudly in emulator mode instead of calling real AWS.
const EMULATED_SERVICES = [
  'acm',
  'appautoscaling',
  'chatbot',
  'cloudwatch',
  'codedeploy',
  'ec2',
  'ecr',
  'ecs',
  'elasticache',
  'elbv2',
  'iam',
  'kms',
  'logs',
  's3',
  'sns',
  'ssm',
  'sts',
  'wafv2',
] as const;

/** Route53 only where a stack manages DNS (API_DOMAIN), so a stack without it keeps its endpoints. */
function emulatedServices(config: StackConfig): readonly string[] {
  return config.domain === undefined ? EMULATED_SERVICES : [...EMULATED_SERVICES, 'route53'].sort();
}

export function configureProvider(stack: TerraformStack, config: StackConfig): AwsProvider {
  configureBackend(stack, config);
  return provider(stack, 'aws', config, config.region);
}

/**
 * A second provider for a service this stack uses outside its own region (AWS Chatbot's API is
 * served only from a few regions), configured like the main one.
 */
export function regionalProvider(scope: Construct, config: StackConfig, region: string, alias: string): AwsProvider {
  return provider(scope, `aws-${alias}`, config, region, alias);
}

function provider(scope: Construct, id: string, config: StackConfig, region: string, alias?: string): AwsProvider {
  const tags = { service: config.prefix, 'managed-by': 'cdktf' };
  const named = alias === undefined ? {} : { alias };
  if (config.emulatorEndpoint === undefined) {
    return new AwsProvider(scope, id, {
      ...named,
      region,
      defaultTags: [{ tags }],
    });
  }
  const endpoint = config.emulatorEndpoint;
  return new AwsProvider(scope, id, {
    ...named,
    region,
    accessKey: 'test',
    secretKey: 'test',
    skipCredentialsValidation: true,
    skipMetadataApiCheck: 'true',
    skipRegionValidation: true,
    s3UsePathStyle: true,
    maxRetries: 2,
    endpoints: [Object.fromEntries(emulatedServices(config).map((service) => [service, endpoint]))],
    defaultTags: [{ tags }],
  });
}

function configureBackend(stack: TerraformStack, config: StackConfig): void {
  const backend = config.backend;
  if (backend.kind === 'local') {
    // Relative on purpose: cdktf would otherwise bake the synthesizing machine's absolute path in.
    new LocalBackend(stack, { path: backend.path });
    return;
  }
  const s3 = new S3Backend(stack, {
    bucket: backend.bucket,
    key: backend.key,
    region: backend.region,
    encrypt: true,
  });
  // S3-native locking (Terraform >= 1.10); cdktf 0.21 has no typed field for it.
  s3.addOverride('use_lockfile', true);
}
