// The whole deployment as one stack, composed from small constructs. Synthesizes to plain
// Terraform JSON (cdktf.out/stacks/<name>/cdk.tf.json).
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { resourceNames, secretParameterName } from './naming.js';
import type { StackConfig } from './stack-config.js';
import { Alarms } from './constructs/alarms.js';
import { Dashboard } from './constructs/dashboard.js';
import { Alb } from './constructs/alb.js';
import { Autoscaling } from './constructs/autoscaling.js';
import { configureProvider } from './constructs/aws-provider.js';
import { AlbRecords } from './constructs/alb-records.js';
import { BlueGreen } from './constructs/blue-green.js';
import { Certificate, regionalName } from './constructs/certificate.js';
import { Ecr } from './constructs/ecr.js';
import { Network } from './constructs/network.js';
import { Service } from './constructs/service.js';
import { stackAlerting } from './constructs/stack-alerting.js';
import { SharedCache } from './constructs/shared-cache.js';
import { Waf } from './constructs/waf.js';

export class BalanceApiStack extends TerraformStack {
  constructor(scope: Construct, config: StackConfig) {
    super(scope, config.stackName);
    configureProvider(this, config);
    const names = resourceNames(config.prefix);
    const partition = new DataAwsPartition(this, 'partition').partition;
    const account = new DataAwsCallerIdentity(this, 'account').accountId;

    const network = new Network(this, 'network', {
      prefix: config.prefix,
      region: config.region,
      cidr: config.vpcCidr,
      natGateways: config.natGateways,
    });
    const ecr = new Ecr(this, 'ecr', {
      name: names.ecrRepository,
      forceDelete: !config.deletionProtection,
    });
    const certificate =
      config.domain === undefined ? undefined : new Certificate(this, 'certificate', { domain: config.domain, region: config.region });
    const certificateArn = certificate?.arn ?? config.certificateArn;
    const alb = new Alb(this, 'alb', {
      names,
      vpcId: network.vpc.id,
      vpcCidr: config.vpcCidr,
      publicSubnetIds: network.publicSubnetIds,
      certificateArn,
      testListenerPort: config.testListenerPort,
      testListenerAllowCidrs: config.testListenerAllowCidrs,
      deletionProtection: config.deletionProtection,
    });

    // SHARED_CACHE=off leaves the fleet cache out; the service then runs without REDIS_URL.
    const sharedCache = config.sharedCache
      ? new SharedCache(this, 'shared-cache', {
          prefix: config.prefix,
          vpcId: network.vpc.id,
          privateSubnetIds: network.privateSubnetIds,
          authTokenParameterName: secretParameterName(config.prefix, 'REDIS_AUTH_TOKEN'),
          urlParameterName: secretParameterName(config.prefix, 'REDIS_URL'),
        })
      : undefined;
    const secrets = {
      ...Object.fromEntries(
        config.secretNames.map((envName) => [
          envName,
          `arn:${partition}:ssm:${config.region}:${account}:parameter${secretParameterName(config.prefix, envName)}`,
        ]),
      ),
      ...(sharedCache === undefined ? {} : { REDIS_URL: sharedCache.urlParameter.arn }),
    };
    const service = new Service(this, 'service', {
      names,
      globalPrefix: config.globalPrefix,
      region: config.region,
      vpcId: network.vpc.id,
      privateSubnetIds: network.privateSubnetIds,
      albSecurityGroupId: alb.securityGroup.id,
      blueTargetGroupArn: alb.blue.arn,
      listeners: [alb.productionListener, alb.testListener],
      repositoryArn: ecr.repository.arn,
      cpu: config.taskCpu,
      memory: config.taskMemory,
      cpuArchitecture: config.cpuArchitecture,
      desiredCount: config.minCount,
      environment: {
        NODE_ENV: 'production',
        HOST: '0.0.0.0',
        PORT: String(names.containerPort),
        // Exactly one proxy (the ALB) sits in front: trust one X-Forwarded-For hop.
        TRUSTED_PROXY_HOPS: '1',
        // With NETWORKS each network is checked against its own chain id.
        ...(config.networks === undefined ? { EXPECTED_CHAIN_ID: String(config.expectedChainId) } : { NETWORKS: config.networks.join(',') }),
        LOG_LEVEL: 'info',
        SHUTDOWN_TIMEOUT_MS: '20000',
      },
      secrets,
      telemetrySidecar: config.telemetrySidecar,
    });
    alb.allowTo(service.securityGroup.id, names.containerPort);
    if (config.domain !== undefined) {
      // A single-region deployment's stack carries the prefix's own name and owns API_DOMAIN too;
      // with several regions the global stack routes API_DOMAIN between them.
      new AlbRecords(this, 'dns', { domain: config.domain, region: config.region, lb: alb.lb, apex: config.stackName === config.prefix });
    }
    sharedCache?.allowFrom(service.securityGroup.id);

    const alerting = stackAlerting(this, config, { partition, account, prefix: config.prefix });
    const targetGroups = [
      { color: 'blue', arnSuffix: alb.blue.arnSuffix },
      { color: 'green', arnSuffix: alb.green.arnSuffix },
    ];
    const alarms = new Alarms(this, 'alarms', {
      prefix: config.prefix,
      loadBalancerArnSuffix: alb.lb.arnSuffix,
      targetGroups,
      notify: [alerting.topic.arn],
    });
    sharedCache?.addAlarms([alerting.topic.arn]);
    new Dashboard(this, 'dashboard', {
      prefix: config.prefix,
      globalPrefix: config.globalPrefix,
      region: config.region,
      loadBalancerArnSuffix: alb.lb.arnSuffix,
      targetGroups,
      clusterName: service.cluster.name,
      serviceName: service.service.name,
      serviceMetrics: config.telemetrySidecar,
      alarmArns: [...alarms.alarms, ...(sharedCache?.alarms ?? [])].map((alarm) => alarm.arn),
    });
    const blueGreen = new BlueGreen(this, 'blue-green', {
      names,
      globalPrefix: config.globalPrefix,
      partition,
      clusterName: service.cluster.name,
      serviceName: service.service.name,
      productionListenerArn: alb.productionListener.arn,
      testListenerArn: alb.testListener.arn,
      blueTargetGroupName: alb.blue.name,
      greenTargetGroupName: alb.green.name,
      alarmNames: alarms.names,
      deploymentConfigName: config.deploymentConfigName,
      testTrafficWaitMinutes: config.testTrafficWaitMinutes,
      blueTerminationWaitMinutes: config.blueTerminationWaitMinutes,
    });
    new Autoscaling(this, 'autoscaling', {
      prefix: config.prefix,
      clusterName: service.cluster.name,
      serviceName: service.service.name,
      loadBalancerArnSuffix: alb.lb.arnSuffix,
      minCount: config.minCount,
      maxCount: config.maxCount,
    });
    new Waf(this, 'waf', {
      prefix: config.prefix,
      loadBalancerArn: alb.lb.arn,
      rateLimit: config.wafRateLimit,
    });

    const scheme = certificateArn === undefined ? 'http' : 'https';
    // With API_DOMAIN the certificate's names are the ones that verify; the ALB's own name does not.
    const host = config.domain === undefined ? alb.lb.dnsName : regionalName(config.domain, config.region);
    new TerraformOutput(this, 'url', { value: `${scheme}://${config.domain?.name ?? alb.lb.dnsName}` });
    new TerraformOutput(this, 'test_url', {
      value: `${scheme}://${host}:${config.testListenerPort}`,
    });
    new TerraformOutput(this, 'test_listener_security_group_id', {
      value: alb.testSecurityGroup.id,
    });
    new TerraformOutput(this, 'test_listener_port', { value: config.testListenerPort });
    new TerraformOutput(this, 'ecr_repository_url', { value: ecr.repository.repositoryUrl });
    new TerraformOutput(this, 'image_digest_parameter', { value: names.imageDigestParameter });
    new TerraformOutput(this, 'cluster_name', { value: service.cluster.name });
    new TerraformOutput(this, 'service_name', { value: service.service.name });
    new TerraformOutput(this, 'codedeploy_app', { value: blueGreen.app.name });
    new TerraformOutput(this, 'deployment_group', { value: blueGreen.group.deploymentGroupName });
    new TerraformOutput(this, 'alert_topic_arn', { value: alerting.topic.arn });
  }
}
