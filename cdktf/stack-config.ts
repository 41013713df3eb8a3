// The stack's inputs: read once from the environment, validated, frozen. Nothing else in cdktf/
// reads process.env, so a synth is a pure function of this object.
import { SERVICE_NAME } from './naming.js';
import { loadStackNetworks } from './stack-networks.js';

export interface StateBackend {
  readonly kind: 's3';
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
}

export interface LocalStateBackend {
  readonly kind: 'local';
  readonly path: string;
}

export interface StackConfig {
  readonly stackName: string;
  readonly prefix: string;
  readonly region: string;
  /** Set in emulator mode: every AWS endpoint points here (moto, LocalStack). */
  readonly emulatorEndpoint: string | undefined;
  readonly backend: StateBackend | LocalStateBackend;
  readonly vpcCidr: string;
  /** 1 saves money, 2 keeps each AZ's egress independent of the other AZ. */
  readonly natGateways: 1 | 2;
  /** With a certificate the production listener is HTTPS on 443 and 80 only redirects. */
  readonly certificateArn: string | undefined;
  /** API_DOMAIN in HOSTED_ZONE_ID: an ACM certificate validated through the zone, HTTPS, DNS names. */
  readonly domain: ApiDomain | undefined;
  /**
   * Prefix of the names AWS keeps account-wide (IAM roles, the CloudWatch dashboard, the Chatbot
   * channel): the stack prefix with one region, `<prefix>-<region>` when several regions share them.
   */
  readonly globalPrefix: string;
  readonly testListenerPort: number;
  /** CIDRs outside the VPC allowed to reach the test listener (CI adds its own address per run). */
  readonly testListenerAllowCidrs: readonly string[];
  readonly taskCpu: number;
  /** The image is multi-arch; Graviton (ARM64) is the cheaper default. */
  readonly cpuArchitecture: 'X86_64' | 'ARM64';
  /** ALB deletion protection on, ECR refuses to delete a repository with images. Off in emulator mode. */
  readonly deletionProtection: boolean;
  readonly taskMemory: number;
  readonly minCount: number;
  readonly maxCount: number;
  readonly deploymentConfigName: string;
  /** Minutes a green fleet waits on the test listener for `ContinueDeployment`; 0 shifts at once. */
  readonly testTrafficWaitMinutes: number;
  readonly blueTerminationWaitMinutes: number;
  /** Environment variable names that come from SSM SecureString parameters (RPC_URLS_<NAME> per network included). */
  readonly secretNames: readonly string[];
  /** NETWORKS for the task (canonical names, the default first); undefined: one network, EXPECTED_CHAIN_ID. */
  readonly networks: readonly string[] | undefined;
  readonly expectedChainId: number;
  /** Requests per 5 minutes per client IP before WAF blocks it. */
  readonly wafRateLimit: number;
  /** ElastiCache shared cache (REDIS_URL as an ECS secret); SHARED_CACHE=off leaves it out. */
  readonly sharedCache: boolean;
  /** Where alarms go (ALARM and OK) through the SNS topic; see alerting.ts. */
  readonly alerts: AlertTargets;
  /** ADOT collector sidecar (traces to X-Ray, metrics to CloudWatch); TELEMETRY_SIDECAR=off leaves it out. */
  readonly telemetrySidecar: boolean;
}

export interface ApiDomain {
  /** The name clients use, e.g. balance.example.com; each region also answers as <region>.<name>. */
  readonly name: string;
  readonly hostedZoneId: string;
}

export interface AlertTargets {
  readonly emails: readonly string[];
  /** PagerDuty's HTTPS events endpoint for an Amazon CloudWatch integration. */
  readonly pagerDutyEndpoint: string | undefined;
  /** Slack through AWS Chatbot: both ids or neither. */
  readonly slack: { readonly workspaceId: string; readonly channelId: string } | undefined;
  /** Chatbot's API exists only in CHATBOT_REGIONS: the stack's region if it is one, else us-east-2. */
  readonly chatbotRegion: string;
}

export const CHATBOT_REGIONS = ['us-east-2', 'us-west-2', 'eu-west-1', 'ap-southeast-1'] as const;

export type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_SECRETS = ['INFURA_PROJECT_ID', 'INFURA_PROJECT_SECRET', 'API_KEYS'];
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export function loadStackConfig(env: Env): StackConfig {
  const prefix = str(env, 'STACK_PREFIX', SERVICE_NAME);
  if (!/^[a-z][a-z0-9-]{1,20}$/.test(prefix)) {
    throw new Error(`STACK_PREFIX must be 2-21 lowercase letters, digits or dashes, got "${prefix}"`);
  }
  const region = str(env, 'AWS_REGION', str(env, 'AWS_DEFAULT_REGION', 'us-east-1'));
  const emulatorEndpoint = optional(env, 'AWS_EMULATOR_ENDPOINT');
  if (emulatorEndpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(emulatorEndpoint)) {
    throw new Error(`AWS_EMULATOR_ENDPOINT must be an http(s) origin, got "${emulatorEndpoint}"`);
  }
  const bucket = optional(env, 'TF_STATE_BUCKET');
  const backend: StateBackend | LocalStateBackend =
    bucket === undefined
      ? { kind: 'local', path: str(env, 'TF_STATE_PATH', 'terraform.tfstate') }
      : {
          kind: 's3',
          bucket,
          key: str(env, 'TF_STATE_KEY', `${prefix}/terraform.tfstate`),
          region: str(env, 'TF_STATE_REGION', region),
        };
  const natGateways = int(env, 'NAT_GATEWAYS', 2, 1, 2) as 1 | 2;
  const minCount = int(env, 'MIN_TASKS', 2, 2, 100);
  const maxCount = int(env, 'MAX_TASKS', 10, minCount, 200);
  const networks = loadStackNetworks(env);
  const secretNames = [...new Set([...list(env, 'SECRET_NAMES', DEFAULT_SECRETS), ...networks.secretNames])];
  for (const name of secretNames) {
    if (!ENV_NAME.test(name)) {
      throw new Error(`SECRET_NAMES must list environment variable names, got "${name}"`);
    }
  }
  const testListenerAllowCidrs = list(env, 'TEST_LISTENER_ALLOW_CIDRS', []);
  for (const cidr of testListenerAllowCidrs) checkCidr('TEST_LISTENER_ALLOW_CIDRS', cidr);
  const vpcCidr = str(env, 'VPC_CIDR', '10.40.0.0/16');
  checkCidr('VPC_CIDR', vpcCidr);
  if (!vpcCidr.endsWith('/16')) throw new Error(`VPC_CIDR must be a /16, got "${vpcCidr}"`);
  const certificateArn = optional(env, 'CERTIFICATE_ARN');
  if (certificateArn !== undefined && !certificateArn.startsWith('arn:')) {
    throw new Error(`CERTIFICATE_ARN must be an ARN, got "${certificateArn}"`);
  }
  const domain = apiDomain(env);
  if (domain !== undefined && certificateArn !== undefined) {
    throw new Error('set API_DOMAIN (a certificate is made and validated for it) or CERTIFICATE_ARN, not both');
  }
  return Object.freeze({
    stackName: prefix,
    prefix,
    region,
    emulatorEndpoint: emulatorEndpoint?.replace(/\/$/, ''),
    backend: Object.freeze(backend),
    vpcCidr,
    natGateways,
    certificateArn,
    domain,
    globalPrefix: prefix,
    testListenerPort: int(env, 'TEST_LISTENER_PORT', certificateArn || domain ? 8443 : 8080, 1024, 65535),
    testListenerAllowCidrs: Object.freeze(testListenerAllowCidrs),
    taskCpu: oneOf(env, 'TASK_CPU', 512, [256, 512, 1024, 2048, 4096]),
    cpuArchitecture: arch(env),
    deletionProtection: bool(env, 'DELETION_PROTECTION', emulatorEndpoint === undefined),
    taskMemory: int(env, 'TASK_MEMORY', 1024, 512, 30720),
    minCount,
    maxCount,
    deploymentConfigName: str(env, 'DEPLOYMENT_CONFIG', 'CodeDeployDefault.ECSCanary10Percent5Minutes'),
    testTrafficWaitMinutes: int(env, 'TEST_TRAFFIC_WAIT_MINUTES', 30, 0, 2880),
    blueTerminationWaitMinutes: int(env, 'BLUE_TERMINATION_WAIT_MINUTES', 15, 0, 2880),
    secretNames: Object.freeze(secretNames),
    networks: networks.names,
    expectedChainId: int(env, 'EXPECTED_CHAIN_ID', 1, 1, Number.MAX_SAFE_INTEGER),
    wafRateLimit: int(env, 'WAF_RATE_LIMIT', 2000, 100, 2_000_000_000),
    sharedCache: onOff(env, 'SHARED_CACHE', true),
    alerts: alertTargets(env, region),
    telemetrySidecar: onOff(env, 'TELEMETRY_SIDECAR', true),
  });
}

const HOSTNAME = /^(?=.{4,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function apiDomain(env: Env): ApiDomain | undefined {
  const name = optional(env, 'API_DOMAIN');
  const hostedZoneId = optional(env, 'HOSTED_ZONE_ID');
  if (name === undefined && hostedZoneId === undefined) return undefined;
  if (name === undefined || hostedZoneId === undefined) {
    throw new Error('API_DOMAIN and HOSTED_ZONE_ID must be set together (the certificate is validated in that zone)');
  }
  if (!HOSTNAME.test(name)) throw new Error(`API_DOMAIN must be a lowercase DNS name like balance.example.com, got "${name}"`);
  if (!/^Z[A-Z0-9]{1,31}$/.test(hostedZoneId)) {
    throw new Error(`HOSTED_ZONE_ID must be a Route53 zone id like Z0123456789ABCDEFGHIJ, got "${hostedZoneId}"`);
  }
  return Object.freeze({ name, hostedZoneId });
}

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

function alertTargets(env: Env, region: string): AlertTargets {
  const emails = list(env, 'ALERT_EMAILS', []);
  for (const email of emails) {
    if (!EMAIL.test(email)) throw new Error(`ALERT_EMAILS must list email addresses, got "${email}"`);
  }
  const pagerDutyEndpoint = optional(env, 'PAGERDUTY_ENDPOINT');
  if (pagerDutyEndpoint !== undefined && !/^https:\/\/[^\s/]+\/\S*$/.test(pagerDutyEndpoint)) {
    throw new Error(`PAGERDUTY_ENDPOINT must be an https:// URL, got "${pagerDutyEndpoint}"`);
  }
  const workspaceId = optional(env, 'SLACK_WORKSPACE_ID');
  const channelId = optional(env, 'SLACK_CHANNEL_ID');
  if ((workspaceId === undefined) !== (channelId === undefined)) {
    throw new Error('SLACK_WORKSPACE_ID and SLACK_CHANNEL_ID must be set together (AWS Chatbot needs both)');
  }
  for (const [name, value] of [['SLACK_WORKSPACE_ID', workspaceId], ['SLACK_CHANNEL_ID', channelId]] as const) {
    if (value !== undefined && !/^[A-Z0-9]{8,12}$/.test(value)) {
      throw new Error(`${name} must be a Slack id like T012ABCDEF / C012ABCDEF, got "${value}"`);
    }
  }
  const chatbotRegion = str(env, 'CHATBOT_REGION', (CHATBOT_REGIONS as readonly string[]).includes(region) ? region : 'us-east-2');
  if (!(CHATBOT_REGIONS as readonly string[]).includes(chatbotRegion)) {
    throw new Error(`CHATBOT_REGION must be one of ${CHATBOT_REGIONS.join(', ')} (where AWS Chatbot's API is), got "${chatbotRegion}"`);
  }
  return Object.freeze({
    chatbotRegion,
    emails: Object.freeze(emails),
    pagerDutyEndpoint,
    slack: workspaceId === undefined || channelId === undefined ? undefined : Object.freeze({ workspaceId, channelId }),
  });
}

/** A two-word switch: `yes` is true, `no` false, anything else an error that names both. */
function flag(env: Env, name: string, fallback: boolean, [yes, no]: readonly [string, string]): boolean {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (raw === yes) return true;
  if (raw === no) return false;
  throw new Error(`${name} must be ${yes} or ${no}, got "${raw}"`);
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  return flag(env, name, fallback, ['on', 'off']);
}

export function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function str(env: Env, name: string, fallback: string): string {
  return optional(env, name) ?? fallback;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf(env: Env, name: string, fallback: number, allowed: readonly number[]): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!allowed.includes(value)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  return flag(env, name, fallback, ['true', 'false']);
}

function arch(env: Env): 'X86_64' | 'ARM64' {
  const raw = str(env, 'CPU_ARCHITECTURE', 'ARM64');
  if (raw === 'X86_64' || raw === 'ARM64') return raw;
  throw new Error(`CPU_ARCHITECTURE must be X86_64 or ARM64, got "${raw}"`);
}

export function list(env: Env, name: string, fallback: readonly string[]): string[] {
  const raw = optional(env, name);
  if (raw === undefined) return [...fallback];
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function checkCidr(name: string, cidr: string): void {
  const match = CIDR.exec(cidr);
  const ok =
    match !== null &&
    match.slice(1, 5).every((octet) => Number(octet) <= 255) &&
    Number(match[5]) <= 32;
  if (!ok) throw new Error(`${name} must hold IPv4 CIDRs like 10.0.0.0/16, got "${cidr}"`);
}
