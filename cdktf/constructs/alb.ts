// Internet-facing ALB with the blue/green target-group pair and two listeners: production
// (world, 80/443) and test (VPC and an allow-list only), which CodeDeploy points at the green fleet
// before shifting production traffic. Only 80 and 443 are ever open to the world.
import { Construct } from 'constructs';
import { skipCheck } from '../policy/checkov.js';
import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import type { ResourceNames } from '../naming.js';

export interface AlbProps {
  readonly names: ResourceNames;
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly publicSubnetIds: string[];
  readonly certificateArn: string | undefined;
  readonly testListenerPort: number;
  readonly testListenerAllowCidrs: readonly string[];
  readonly deletionProtection: boolean;
}

const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
// CodeDeploy rewrites listener actions on every release; Terraform must not flip them back.
const CODEDEPLOY_OWNED = { ignoreChanges: ['default_action'] };

export class Alb extends Construct {
  readonly lb: Lb;
  readonly securityGroup: SecurityGroup;
  /** Separate group so CI can open the test port to its own address without touching the rest. */
  readonly testSecurityGroup: SecurityGroup;
  readonly blue: LbTargetGroup;
  readonly green: LbTargetGroup;
  readonly productionListener: LbListener;
  readonly testListener: LbListener;

  constructor(scope: Construct, id: string, props: AlbProps) {
    super(scope, id);
    const { names } = props;
    this.securityGroup = new SecurityGroup(this, 'sg', {
      name: `${names.loadBalancer}-alb`,
      description: 'balance-api ALB: production listener open to the world',
      vpcId: props.vpcId,
      tags: { Name: `${names.loadBalancer}-alb` },
    });
    const worldPorts = props.certificateArn === undefined ? [80] : [80, 443];
    for (const port of worldPorts) {
      for (const [family, cidr] of [['v4', '0.0.0.0/0'], ['v6', '::/0']] as const) {
        const rule = new VpcSecurityGroupIngressRule(this, `world-${port}-${family}`, {
          securityGroupId: this.securityGroup.id,
          description: `production listener ${port}`,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          ...(family === 'v4' ? { cidrIpv4: cidr } : { cidrIpv6: cidr }),
        });
        if (port === 80) skipCheck(rule, 'CKV_AWS_260', 'the internet-facing ALB serves (or redirects) HTTP on 80 by design');
      }
    }
    this.testSecurityGroup = new SecurityGroup(this, 'test-sg', {
      name: `${names.loadBalancer}-alb-test`,
      description: 'balance-api ALB: test listener, VPC and allow-list only',
      vpcId: props.vpcId,
      tags: { Name: `${names.loadBalancer}-alb-test` },
    });
    [props.vpcCidr, ...props.testListenerAllowCidrs].forEach((cidr, i) => {
      new VpcSecurityGroupIngressRule(this, `test-listener-${i}`, {
        securityGroupId: this.testSecurityGroup.id,
        description: i === 0 ? 'test listener from the VPC' : 'test listener allow-list',
        ipProtocol: 'tcp',
        fromPort: props.testListenerPort,
        toPort: props.testListenerPort,
        cidrIpv4: cidr,
      });
    });

    this.lb = new Lb(this, 'lb', {
      name: names.loadBalancer,
      loadBalancerType: 'application',
      internal: false,
      subnets: props.publicSubnetIds,
      securityGroups: [this.securityGroup.id, this.testSecurityGroup.id],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection,
      // Below uWS's ~10 s HTTP keep-alive, so the ALB never reuses a connection the task already
      // closed (502s), and above the 4-8 s after which uWS pings an idle GET /watch socket.
      idleTimeout: 9,
      tags: { Name: names.loadBalancer },
    });
    skipCheck(this.lb, 'CKV_AWS_91', 'no access-log bucket: WAF metrics, target metrics and the service request logs cover it');
    skipCheck(this.lb, 'CKV2_AWS_76', 'Node.js service: no Java or Log4j anywhere behind this ALB');
    if (props.certificateArn === undefined) {
      skipCheck(this.lb, 'CKV2_AWS_20', 'HTTP only while no CERTIFICATE_ARN is configured; with one, 80 redirects to 443');
    }

    this.blue = this.targetGroup('blue', names.blueTargetGroup, props);
    this.green = this.targetGroup('green', names.greenTargetGroup, props);

    const tls = props.certificateArn;
    this.productionListener = new LbListener(this, 'production', {
      loadBalancerArn: this.lb.arn,
      port: tls === undefined ? 80 : 443,
      protocol: tls === undefined ? 'HTTP' : 'HTTPS',
      ...(tls === undefined ? {} : { certificateArn: tls, sslPolicy: TLS_POLICY }),
      defaultAction: [{ type: 'forward', targetGroupArn: this.blue.arn }],
      lifecycle: CODEDEPLOY_OWNED,
    });
    if (tls === undefined) plainHttp(this.productionListener);
    if (tls !== undefined) {
      new LbListener(this, 'http-redirect', {
        loadBalancerArn: this.lb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [
          { type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', statusCode: 'HTTP_301' } },
        ],
      });
    }
    this.testListener = new LbListener(this, 'test', {
      loadBalancerArn: this.lb.arn,
      port: props.testListenerPort,
      protocol: tls === undefined ? 'HTTP' : 'HTTPS',
      ...(tls === undefined ? {} : { certificateArn: tls, sslPolicy: TLS_POLICY }),
      defaultAction: [{ type: 'forward', targetGroupArn: this.green.arn }],
      lifecycle: CODEDEPLOY_OWNED,
    });
    if (tls === undefined) plainHttp(this.testListener);
  }

  /** Lets the ALB reach tasks in `taskSecurityGroupId` on the container port, and nothing else. */
  allowTo(taskSecurityGroupId: string, port: number): void {
    new VpcSecurityGroupEgressRule(this, 'to-tasks', {
      securityGroupId: this.securityGroup.id,
      description: 'ALB to tasks',
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: taskSecurityGroupId,
    });
  }

  private targetGroup(id: string, name: string, props: AlbProps): LbTargetGroup {
    const group = new LbTargetGroup(this, id, {
      name,
      targetType: 'ip',
      port: props.names.containerPort,
      protocol: 'HTTP',
      vpcId: props.vpcId,
      // ECS drains a task for this long before SIGTERM; the service exits within 20 s after it.
      deregistrationDelay: '30',
      healthCheck: {
        path: '/healthz',
        matcher: '200',
        interval: 10,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      tags: { Name: name, color: id },
    });
    skipCheck(group, 'CKV_AWS_378', 'TLS ends at the ALB; ALB-to-task HTTP stays inside the VPC, on the task security group');
    return group;
  }
}

/** A listener without a certificate: the operator chose HTTP (no CERTIFICATE_ARN). */
function plainHttp(listener: LbListener): void {
  for (const id of ['CKV_AWS_2', 'CKV_AWS_103', 'CKV_AWS_378', 'CKV2_AWS_74']) {
    skipCheck(listener, id, 'HTTP only while no CERTIFICATE_ARN is configured; with one this listener is HTTPS (TLS 1.3 policy)');
  }
}
