// What `npm run synth` builds: one regional stack per DEPLOY_REGIONS entry, plus a global stack for
// DNS failover when there are several. With DEPLOY_REGIONS unset or one region, the one stack is
// exactly loadStackConfig's (same name, state and names as a single-region deployment always had).
import { list, loadStackConfig, optional, type ApiDomain, type Env, type StackConfig } from './stack-config.js';

export type DnsRoutingPolicy = 'failover' | 'latency';

/** How API_DOMAIN is spread over the regions: what the global stack and its DNS routing share. */
export interface DnsRoutingSettings {
  readonly domain: ApiDomain;
  /** Primary first. */
  readonly regions: readonly string[];
  readonly routing: DnsRoutingPolicy;
}

export interface GlobalStackConfig extends DnsRoutingSettings {
  /** The global stack's own config: us-east-1 (Route53's metrics and alarms live there), its state. */
  readonly base: StackConfig;
  /** The regional stacks' names, in region order (the global stack is applied after them). */
  readonly regionalStacks: readonly string[];
}

export interface Deployment {
  /** Primary first: the order of apply and of release. */
  readonly regional: readonly StackConfig[];
  readonly global: GlobalStackConfig | undefined;
}

/** Route53 metrics (and so the health-check alarms and their topic) exist only in us-east-1. */
export const GLOBAL_REGION = 'us-east-1';
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function deployRegions(env: Env): string[] {
  const regions = list(env, 'DEPLOY_REGIONS', []);
  for (const region of regions) {
    if (!REGION.test(region)) throw new Error(`DEPLOY_REGIONS must list AWS regions like eu-west-1, got "${region}"`);
  }
  const twice = regions.find((region, i) => regions.indexOf(region) !== i);
  if (twice !== undefined) throw new Error(`DEPLOY_REGIONS lists ${twice} twice`);
  return regions;
}

export function loadDeployment(env: Env): Deployment {
  const regions = deployRegions(env);
  const routing = dnsRouting(env);
  if (regions.length <= 1) {
    const single = regions.length === 1 ? { ...env, AWS_REGION: regions[0] } : env;
    return Object.freeze({ regional: Object.freeze([loadStackConfig(single)]), global: undefined });
  }
  if (optional(env, 'CERTIFICATE_ARN') !== undefined) {
    throw new Error(
      'CERTIFICATE_ARN is one region\'s certificate; with several DEPLOY_REGIONS set API_DOMAIN and HOSTED_ZONE_ID (each region gets its own ACM certificate)',
    );
  }
  if (optional(env, 'TF_STATE_KEY') !== undefined) {
    throw new Error('TF_STATE_KEY names one state; with several DEPLOY_REGIONS each stack keeps <prefix>/<region>/terraform.tfstate');
  }
  const primary = regions[0]!;
  // One state bucket for all stacks, in the primary region unless told otherwise.
  const stateRegion = optional(env, 'TF_STATE_REGION') ?? primary;
  const configFor = (region: string, name: string): StackConfig => {
    const config = loadStackConfig({ ...env, AWS_REGION: region, TF_STATE_REGION: stateRegion });
    const backend =
      config.backend.kind === 's3'
        ? Object.freeze({ ...config.backend, key: `${config.prefix}/${name}/terraform.tfstate` })
        : config.backend;
    return Object.freeze({ ...config, stackName: `${config.prefix}-${name}`, globalPrefix: `${config.prefix}-${name}`, backend });
  };
  const regional = regions.map((region) => configFor(region, region));
  const domain = regional[0]!.domain;
  if (domain === undefined) {
    throw new Error('several DEPLOY_REGIONS need API_DOMAIN and HOSTED_ZONE_ID: clients reach the regions through that name');
  }
  return Object.freeze({
    regional: Object.freeze(regional),
    global: Object.freeze({
      base: configFor(GLOBAL_REGION, 'global'),
      domain,
      regions: Object.freeze(regions),
      routing,
      regionalStacks: Object.freeze(regional.map((config) => config.stackName)),
    }),
  });
}

function dnsRouting(env: Env): DnsRoutingPolicy {
  const raw = optional(env, 'DNS_ROUTING') ?? 'failover';
  if (raw === 'failover' || raw === 'latency') return raw;
  throw new Error(`DNS_ROUTING must be failover or latency, got "${raw}"`);
}
