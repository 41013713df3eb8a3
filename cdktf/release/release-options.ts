// Command line and environment of the release program, parsed once into a frozen object.
import { parseArgs } from 'node:util';
import { deployRegions } from '../deployment-config.js';
import { SERVICE_NAME } from '../naming.js';
import { parseImageRef } from './image-ref.js';

export interface ReleaseOptions {
  /** Digest reference to publish and release; absent: release what SSM holds. */
  readonly image: string | undefined;
  /** Shell command run while green is up behind the test listener; non-zero stops the release. */
  readonly beforeTraffic: string | undefined;
  /** `shifted`: return once all production traffic is on green, without waiting out the blue bake. */
  readonly until: 'complete' | 'shifted';
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly prefix: string;
  /** The primary region (the first of `regions`). */
  readonly region: string;
  /** DEPLOY_REGIONS, else AWS_REGION alone: released one after another, primary first. */
  readonly regions: readonly string[];
  readonly emulatorEndpoint: string | undefined;
}

export const USAGE = `usage: release [--image <repo>@sha256:<digest>] [--before-traffic "<command>"]
               [--until complete|shifted] [--poll-seconds N] [--timeout-minutes N]

Publishes --image to SSM (or reads the digest SSM holds), registers a task definition revision with
it, starts a CodeDeploy blue/green deployment and follows it. Exits 0 when it succeeds or the image
is already live, 1 when the deployment fails or is stopped (CodeDeploy rolls back), 2 on bad usage.
With DEPLOY_REGIONS (comma-separated, primary first) it releases one region after another, each
only once the previous one Succeeded; a failure stops there and the later regions keep their version.
Environment: DEPLOY_REGIONS or AWS_REGION, STACK_PREFIX (default ${SERVICE_NAME}), AWS_EMULATOR_ENDPOINT (tests).`;

export class UsageError extends Error {}

export function parseReleaseOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ReleaseOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        image: { type: 'string' },
        'before-traffic': { type: 'string' },
        until: { type: 'string', default: 'complete' },
        'poll-seconds': { type: 'string', default: '10' },
        'timeout-minutes': { type: 'string', default: '90' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const until = values.until;
  if (until !== 'complete' && until !== 'shifted') {
    throw new UsageError(`--until must be complete or shifted, got "${until}"`);
  }
  const pollSeconds = Number(values['poll-seconds']);
  if (!(pollSeconds > 0 && pollSeconds <= 300)) {
    throw new UsageError(`--poll-seconds must be a number in (0, 300], got "${values['poll-seconds']}"`);
  }
  const timeoutMinutes = Number(values['timeout-minutes']);
  if (!(timeoutMinutes > 0 && timeoutMinutes <= 24 * 60)) {
    throw new UsageError(`--timeout-minutes must be a number in (0, 1440], got "${values['timeout-minutes']}"`);
  }
  if (values.image !== undefined) {
    try {
      parseImageRef(values.image);
    } catch (error) {
      throw new UsageError(`--image: ${(error as Error).message}`);
    }
  }
  let regions: string[];
  try {
    regions = deployRegions(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const region = regions[0] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') throw new UsageError('AWS_REGION must be set (or DEPLOY_REGIONS)');
  const emulator = env.AWS_EMULATOR_ENDPOINT;
  return Object.freeze({
    image: values.image,
    beforeTraffic: values['before-traffic'],
    until,
    pollMs: pollSeconds * 1000,
    timeoutMs: timeoutMinutes * 60_000,
    prefix: env.STACK_PREFIX !== undefined && env.STACK_PREFIX !== '' ? env.STACK_PREFIX : SERVICE_NAME,
    region,
    regions: Object.freeze(regions.length === 0 ? [region] : regions),
    emulatorEndpoint: emulator !== undefined && emulator !== '' ? emulator : undefined,
  });
}
