// SDK clients for the release program; in emulator mode they talk to the local endpoint.
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';

export interface AwsClients {
  readonly ssm: SSMClient;
  readonly ecs: ECSClient;
  readonly codedeploy: CodeDeployClient;
  destroy(): void;
}

export function awsClients(region: string, emulatorEndpoint: string | undefined): AwsClients {
  const config = {
    region,
    maxAttempts: 4,
    ...(emulatorEndpoint === undefined
      ? {}
      : {
          endpoint: emulatorEndpoint,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        }),
  };
  const ssm = new SSMClient(config);
  const ecs = new ECSClient(config);
  const codedeploy = new CodeDeployClient(config);
  return {
    ssm,
    ecs,
    codedeploy,
    destroy() {
      ssm.destroy();
      ecs.destroy();
      codedeploy.destroy();
    },
  };
}
