// The trust policy of a role that one AWS service assumes (CodeDeploy, ECS tasks, Chatbot).
import type { Construct } from 'constructs';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';

/** `service` is the principal's host name, e.g. "ecs-tasks.amazonaws.com". */
export function trustPolicy(scope: Construct, id: string, service: string): DataAwsIamPolicyDocument {
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: [service] }] }],
  });
}

/** A role named `name` that the service of `trust` (from trustPolicy) may assume. */
export function assumableRole(scope: Construct, id: string, name: string, trust: DataAwsIamPolicyDocument): IamRole {
  return new IamRole(scope, id, { name, assumeRolePolicy: trust.json });
}
