// An ACM certificate for API_DOMAIN (and this region's own name, <region>.<API_DOMAIN>), validated
// by DNS records in HOSTED_ZONE_ID. The listeners take `arn`, which resolves only once ACM has
// issued the certificate, so a listener never starts with an unvalidated one.
import { TerraformIterator, Token } from 'cdktf';
import { Construct } from 'constructs';
import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate/index.js';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation/index.js';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record/index.js';
import type { ApiDomain } from '../stack-config.js';

export interface CertificateProps {
  readonly domain: ApiDomain;
  readonly region: string;
}

/** The name that reaches one region directly (drills, the test listener, the health check). */
export function regionalName(domain: ApiDomain, region: string): string {
  return `${region}.${domain.name}`;
}

export class Certificate extends Construct {
  readonly certificate: AcmCertificate;
  /** The validated certificate's ARN. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: CertificateProps) {
    super(scope, id);
    this.certificate = new AcmCertificate(this, 'cert', {
      domainName: props.domain.name,
      subjectAlternativeNames: [regionalName(props.domain, props.region)],
      validationMethod: 'DNS',
      keyAlgorithm: 'EC_prime256v1',
      // A renamed domain gets its new certificate onto the listeners before the old one goes.
      lifecycle: { createBeforeDestroy: true },
    });
    // Keyed straight off the set: domain_name is known at plan time, but tolist() over a set whose
    // records are still unknown is wholly unknown, and a fresh apply fails on the for_each
    // (fromComplexList wraps it in tolist).
    const address = `${this.certificate.terraformResourceType}.${this.certificate.friendlyUniqueId}`;
    const options = TerraformIterator.fromMap(
      Token.asAnyMap(`\${{ for option in ${address}.domain_validation_options : option.domain_name => option }}`),
    );
    const records = new Route53Record(this, 'validation', {
      forEach: options,
      zoneId: props.domain.hostedZoneId,
      name: options.getString('resource_record_name'),
      type: options.getString('resource_record_type'),
      records: [options.getString('resource_record_value')],
      ttl: 300,
      // ACM asks for the same record for API_DOMAIN in every region of an account: each regional
      // stack writes it, none owns it alone.
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, 'validated', {
      certificateArn: this.certificate.arn,
      validationRecordFqdns: TerraformIterator.fromResources(records).pluckProperty('fqdn') as unknown as string[],
    });
    this.arn = validation.certificateArn;
  }
}
