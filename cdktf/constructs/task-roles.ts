// Least-privilege roles for the task. The execution role (used by the ECS agent, not the app) can
// pull from this service's repository, write to its log group and read exactly the SSM parameters
// named in the task's `secrets`. The task role (what the containers' code can use) gets only what
// the telemetry sidecar needs when it runs (X-Ray and its metrics log group), otherwise nothing.
import { Construct } from 'constructs';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { assumableRole, trustPolicy } from './trust-policy.js';

export interface TaskRolesProps {
  readonly prefix: string;
  readonly repositoryArn: string;
  readonly logGroupArn: string;
  readonly secretParameterArns: string[];
  /** The task role's permissions; none when empty. */
  readonly taskStatements?: ReadonlyArray<{ sid: string; actions: string[]; resources: string[] }>;
}

export class TaskRoles extends Construct {
  readonly executionRole: IamRole;
  readonly taskRole: IamRole;
  taskPolicy: DataAwsIamPolicyDocument | undefined;

  constructor(scope: Construct, id: string, props: TaskRolesProps) {
    super(scope, id);
    const assume = trustPolicy(this, 'assume', 'ecs-tasks.amazonaws.com');
    this.executionRole = assumableRole(this, 'execution', `${props.prefix}-execution`, assume);
    this.taskRole = assumableRole(this, 'task', `${props.prefix}-task`, assume);

    const statements = [
      // GetAuthorizationToken has no resource-level permissions.
      { sid: 'EcrAuth', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] },
      {
        sid: 'EcrPull',
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: [props.repositoryArn],
      },
      {
        sid: 'Logs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${props.logGroupArn}:*`],
      },
    ];
    if (props.secretParameterArns.length > 0) {
      statements.push({
        sid: 'OwnSecrets',
        actions: ['ssm:GetParameters'],
        resources: props.secretParameterArns,
      });
    }
    const policy = new DataAwsIamPolicyDocument(this, 'execution-policy', { statement: statements });
    new IamRolePolicy(this, 'execution-inline', {
      name: 'pull-log-secrets',
      role: this.executionRole.id,
      policy: policy.json,
    });
    if ((props.taskStatements ?? []).length > 0) {
      const taskPolicy = new DataAwsIamPolicyDocument(this, 'task-policy', {
        statement: (props.taskStatements ?? []).map((s) => ({ ...s })),
      });
      this.taskPolicy = taskPolicy;
      new IamRolePolicy(this, 'task-inline', { name: 'telemetry', role: this.taskRole.id, policy: taskPolicy.json });
    }
  }
}
