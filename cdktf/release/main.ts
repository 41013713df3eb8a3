// `npm run release -- --image <repo>@sha256:<digest> [--before-traffic "<command>"]`
// Exit status: 0 released or already live, 1 failed/stopped (CodeDeploy rolled back), 2 bad usage.
import { spawn } from 'node:child_process';
import { resourceNames } from '../naming.js';
import { awsClients } from './aws-clients.js';
import { release } from './release.js';
import { parseReleaseOptions, USAGE, UsageError } from './release-options.js';

function log(line: string): void {
  console.log(`[release ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function runCheck(command: string, env: Record<string, string>): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', (error) => {
      log(`before-traffic check could not start: ${error.message}`);
      resolve(false);
    });
    child.on('close', (code, signal) => {
      log(`before-traffic check exited ${code ?? signal}`);
      resolve(code === 0);
    });
  });
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseReleaseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  const aws = awsClients(options.region, options.emulatorEndpoint);
  try {
    const beforeTraffic = options.beforeTraffic;
    const outcome = await release(
      aws,
      resourceNames(options.prefix),
      {
        image: options.image,
        until: options.until,
        pollMs: options.pollMs,
        timeoutMs: options.timeoutMs,
        beforeTraffic:
          beforeTraffic === undefined
            ? undefined
            : (info, image) =>
                runCheck(beforeTraffic, {
                  RELEASE_DEPLOYMENT_ID: info.deploymentId ?? '',
                  RELEASE_IMAGE: image.ref,
                }),
      },
      log,
    );
    switch (outcome.kind) {
      case 'unchanged':
        log(`done: ${outcome.image} was already live`);
        return 0;
      case 'succeeded':
        log(`done: ${outcome.image} released by ${outcome.deploymentId}`);
        return 0;
      case 'failed':
        log(`FAILED: ${outcome.deploymentId}: ${outcome.reason}; production stays on the previous release`);
        return 1;
    }
  } catch (error) {
    log(`FAILED: ${(error as Error).message}`);
    return 1;
  } finally {
    aws.destroy();
  }
}

process.exitCode = await main();
