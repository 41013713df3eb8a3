// CodeDeploy blue/green for the ECS service: green tasks come up behind the test listener, wait
// there (CI runs its smoke test, then continues the deployment), production traffic shifts by the
// canary config, blue is kept for a while for a fast rollback. Failures and alarms roll back.
import { Construct } from 'constructs';
import { CodedeployApp } from '@cdktf/provider-aws/lib/codedeploy-app/index.js';
import { CodedeployDeploymentGroup } from '@cdktf/provider-aws/lib/codedeploy-deployment-group/index.js';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import type { ResourceNames } from '../naming.js';
import { assumableRole, trustPolicy } from './trust-policy.js';

export interface BlueGreenProps {
  readonly names: ResourceNames;
  /** Prefix of account-wide names (see StackConfig.globalPrefix). */
  readonly globalPrefix: string;
  readonly partition: string;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly productionListenerArn: string;
  readonly testListenerArn: string;
  readonly blueTargetGroupName: string;
  readonly greenTargetGroupName: string;
  readonly alarmNames: string[];
  readonly deploymentConfigName: string;
  readonly testTrafficWaitMinutes: number;
  readonly blueTerminationWaitMinutes: number;
}

export class BlueGreen extends Construct {
  readonly app: CodedeployApp;
  readonly group: CodedeployDeploymentGroup;
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: BlueGreenProps) {
    super(scope, id);
    const assume = trustPolicy(this, 'assume', 'codedeploy.amazonaws.com');
    this.role = assumableRole(this, 'role', `${props.globalPrefix}-codedeploy`, assume);
    const attachment = new IamRolePolicyAttachment(this, 'role-policy', {
      role: this.role.name,
      policyArn: `arn:${props.partition}:iam::aws:policy/AWSCodeDeployRoleForECS`,
    });

    this.app = new CodedeployApp(this, 'app', {
      name: props.names.codeDeployApp,
      computePlatform: 'ECS',
    });
    const waitForContinue = props.testTrafficWaitMinutes > 0;
    this.group = new CodedeployDeploymentGroup(this, 'group', {
      appName: this.app.name,
      deploymentGroupName: props.names.deploymentGroup,
      serviceRoleArn: this.role.arn,
      deploymentConfigName: props.deploymentConfigName,
      deploymentStyle: {
        deploymentType: 'BLUE_GREEN',
        deploymentOption: 'WITH_TRAFFIC_CONTROL',
      },
      blueGreenDeploymentConfig: {
        // STOP_DEPLOYMENT: green waits on the test listener until the release program calls
        // ContinueDeployment after the smoke test, and stops (rolls back) if nobody does.
        deploymentReadyOption: waitForContinue
          ? { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: props.testTrafficWaitMinutes }
          : { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'TERMINATE',
          terminationWaitTimeInMinutes: props.blueTerminationWaitMinutes,
        },
      },
      ecsService: { clusterName: props.clusterName, serviceName: props.serviceName },
      loadBalancerInfo: {
        targetGroupPairInfo: {
          prodTrafficRoute: { listenerArns: [props.productionListenerArn] },
          testTrafficRoute: { listenerArns: [props.testListenerArn] },
          targetGroup: [{ name: props.blueTargetGroupName }, { name: props.greenTargetGroupName }],
        },
      },
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
      },
      alarmConfiguration: { enabled: true, alarms: props.alarmNames },
      dependsOn: [attachment],
    });
  }
}
