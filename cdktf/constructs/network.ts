// VPC over two AZs: public subnets hold the ALB and the NAT gateways, private subnets hold the
// tasks. Tasks need egress to the JSON-RPC providers on the internet, so NAT (not only VPC
// endpoints) is required; the free S3 gateway endpoint keeps ECR layer pulls off the NAT bill.
import { Construct } from 'constructs';
import { skipCheck } from '../policy/checkov.js';
import { Fn } from 'cdktf';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint/index.js';

export interface NetworkProps {
  readonly prefix: string;
  readonly region: string;
  readonly cidr: string;
  readonly natGateways: 1 | 2;
}

export const AZ_COUNT = 2;

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const azs = new DataAwsAvailabilityZones(this, 'azs', { state: 'available' });
    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: props.prefix },
    });
    skipCheck(this.vpc, 'CKV2_AWS_11', 'no flow logs: the only inbound path is the ALB (WAF, target metrics); enable per incident');
    skipCheck(this.vpc, 'CKV2_AWS_12', 'nothing uses the default security group; every resource has its own with explicit rules');
    const igw = new InternetGateway(this, 'igw', {
      vpcId: this.vpc.id,
      tags: { Name: props.prefix },
    });
    const publicRoutes = new RouteTable(this, 'public-routes', {
      vpcId: this.vpc.id,
      tags: { Name: `${props.prefix}-public` },
    });
    new Route(this, 'public-default', {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: igw.id,
    });

    const publicSubnets: Subnet[] = [];
    const privateRoutes: RouteTable[] = [];
    const nats: NatGateway[] = [];
    this.privateSubnetIds = [];
    for (let i = 0; i < AZ_COUNT; i++) {
      const az = Fn.element(azs.names, i);
      const pub = new Subnet(this, `public-${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: Fn.cidrsubnet(props.cidr, 8, i),
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.prefix}-public-${i}`, tier: 'public' },
      });
      new RouteTableAssociation(this, `public-${i}-routes`, {
        subnetId: pub.id,
        routeTableId: publicRoutes.id,
      });
      publicSubnets.push(pub);
      if (i < props.natGateways) {
        const eip = new Eip(this, `nat-${i}-ip`, {
          domain: 'vpc',
          tags: { Name: `${props.prefix}-nat-${i}` },
        });
        nats.push(
          new NatGateway(this, `nat-${i}`, {
            allocationId: eip.id,
            subnetId: pub.id,
            tags: { Name: `${props.prefix}-nat-${i}` },
            dependsOn: [igw],
          }),
        );
      }
    }
    for (let i = 0; i < AZ_COUNT; i++) {
      const priv = new Subnet(this, `private-${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: Fn.element(azs.names, i),
        cidrBlock: Fn.cidrsubnet(props.cidr, 8, 10 + i),
        tags: { Name: `${props.prefix}-private-${i}`, tier: 'private' },
      });
      const routes = new RouteTable(this, `private-${i}-routes`, {
        vpcId: this.vpc.id,
        tags: { Name: `${props.prefix}-private-${i}` },
      });
      const nat = nats[Math.min(i, nats.length - 1)];
      new Route(this, `private-${i}-default`, {
        routeTableId: routes.id,
        destinationCidrBlock: '0.0.0.0/0',
        ...(nat === undefined ? {} : { natGatewayId: nat.id }),
      });
      new RouteTableAssociation(this, `private-${i}-association`, {
        subnetId: priv.id,
        routeTableId: routes.id,
      });
      privateRoutes.push(routes);
      this.privateSubnetIds.push(priv.id);
    }
    this.publicSubnetIds = publicSubnets.map((subnet) => subnet.id);

    new VpcEndpoint(this, 's3-endpoint', {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: privateRoutes.map((table) => table.id),
      tags: { Name: `${props.prefix}-s3` },
    });
  }
}
