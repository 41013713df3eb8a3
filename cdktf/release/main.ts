// `npm run release -- --image <repo>@sha256:<digest> [--before-traffic "<command>"]`
// Exit status: 0 released or already live, 1 failed/stopped (CodeDeploy rolled back), 2 bad usage.
// With DEPLOY_REGIONS: region by region, primary first; the first failure stops (exit 1, naming it).
import { spawn } from 'node:child_process';
import { resourceNames } from '../naming.js';
import { awsClients } from './aws-clients.js';
import { releaseRegions } from './release-regions.js';
import { parseReleaseOptions, USAGE, UsageError } from './release-options.js';

function log(line: string, region?: string): void {
  const where = region === undefined ? '' : ` ${region}`;
  console.log(`[release ${new Date().toISOString().slice(11, 19)}${where}] ${line}`);
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
  // One region logs as it always did; several tag each line with its region.
  const multi = options.regions.length > 1;
  const tag = (region: string) => (multi ? region : undefined);
  const beforeTraffic = options.beforeTraffic;
  try {
    const outcome = await releaseRegions({
      regions: options.regions,
      clients: (region) => awsClients(region, options.emulatorEndpoint),
      names: resourceNames(options.prefix),
      image: options.image,
      request: (region) => ({
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
                  RELEASE_REGION: region,
                }),
      }),
      log: (region, line) => log(line, tag(region)),
    });
    for (const { region, outcome: done } of outcome.results) {
      if (done.kind === 'unchanged') log(`done: ${done.image} was already live`, tag(region));
      if (done.kind === 'succeeded') log(`done: ${done.image} released by ${done.deploymentId}`, tag(region));
    }
    if (outcome.kind === 'released') return 0;
    if (!multi) {
      log(
        outcome.deploymentId === undefined
          ? `FAILED: ${outcome.reason}`
          : `FAILED: ${outcome.deploymentId}: ${outcome.reason}; production stays on the previous release`,
      );
      return 1;
    }
    const released = outcome.results.filter((r) => r.outcome.kind !== 'failed').map((r) => r.region);
    log(
      `FAILED in ${outcome.region}: ${outcome.deploymentId === undefined ? '' : `${outcome.deploymentId}: `}${outcome.reason}; ` +
        `${outcome.region} stays on its previous release; released: ${released.join(', ') || 'none'}; ` +
        `not released (keep their current version): ${outcome.notReleased.join(', ') || 'none'}`,
    );
    return 1;
  } catch (error) {
    log(`FAILED: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main();
