// Names shared by the stack and the release program. The release program finds the service,
// task family and deployment group by these names, so both sides must read them from here.
export const SERVICE_NAME = 'balance-api';

export interface ResourceNames {
  readonly cluster: string;
  readonly service: string;
  readonly taskFamily: string;
  readonly container: string;
  readonly containerPort: number;
  readonly codeDeployApp: string;
  readonly deploymentGroup: string;
  readonly blueTargetGroup: string;
  readonly greenTargetGroup: string;
  readonly loadBalancer: string;
  readonly logGroup: string;
  readonly ecrRepository: string;
  readonly imageDigestParameter: string;
  readonly parameterPrefix: string;
}

export function resourceNames(prefix: string = SERVICE_NAME): ResourceNames {
  return Object.freeze({
    cluster: prefix,
    service: prefix,
    taskFamily: prefix,
    container: 'api',
    containerPort: 3000,
    codeDeployApp: prefix,
    deploymentGroup: prefix,
    blueTargetGroup: `${prefix}-blue`,
    greenTargetGroup: `${prefix}-green`,
    loadBalancer: prefix,
    logGroup: `/ecs/${prefix}`,
    ecrRepository: prefix,
    imageDigestParameter: `/int/${prefix}/image_digest`,
    parameterPrefix: `/int/${prefix}/`,
  });
}

// Provider keys and API keys reach the task as ECS secrets; each lives in SSM as a SecureString
// named after the variable: INFURA_PROJECT_SECRET -> /int/balance-api/infura_project_secret.
export function secretParameterName(prefix: string, envName: string): string {
  return `/int/${prefix}/${envName.toLowerCase()}`;
}
