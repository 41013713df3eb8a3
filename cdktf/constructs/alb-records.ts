// DNS names for one region's ALB: <region>.<API_DOMAIN> always (the global stack's health check
// and records point at it), and API_DOMAIN itself when this region is the whole deployment.
import { Construct } from 'constructs';
import type { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
import type { ApiDomain } from '../stack-config.js';
import { regionalName } from './certificate.js';

export interface AlbRecordsProps {
  readonly domain: ApiDomain;
  readonly region: string;
  readonly lb: Lb;
  /** One region: API_DOMAIN points here directly. Several: the global stack owns API_DOMAIN. */
  readonly apex: boolean;
}

export class AlbRecords extends Construct {
  readonly regional: Route53Record;

  constructor(scope: Construct, id: string, props: AlbRecordsProps) {
    super(scope, id);
    const names = [regionalName(props.domain, props.region), ...(props.apex ? [props.domain.name] : [])];
    const records = names.map(
      (name, i) =>
        new Route53Record(this, i === 0 ? 'regional' : 'apex', {
          zoneId: props.domain.hostedZoneId,
          name,
          type: 'A',
          // An alias answers with the ALB's current addresses (TTL 60 s, set by AWS), free of charge.
          alias: { name: props.lb.dnsName, zoneId: props.lb.zoneId, evaluateTargetHealth: true },
        }),
    );
    this.regional = records[0]!;
  }
}
