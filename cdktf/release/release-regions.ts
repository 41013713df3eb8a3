// A release across regions, one at a time, primary first: a region starts only after the one
// before it Succeeded (or already ran the image), so a bad image or a bad region stops with one
// region rolled back and the regions after it untouched. Each region gets the same digest from its
// own ECR registry (replication copied it there), written to its own SSM parameter by release()
// just before its deployment.
import type { ResourceNames } from '../naming.js';
import type { AwsClients } from './aws-clients.js';
import { inRegion, parseImageRef } from './image-ref.js';
import { release, type ReleaseOutcome, type ReleaseRequest } from './release.js';

export interface RegionsRequest {
  /** Primary first. */
  readonly regions: readonly string[];
  readonly clients: (region: string) => AwsClients;
  readonly names: ResourceNames;
  /** The primary's digest reference; undefined: what the primary's SSM parameter holds. */
  readonly image: string | undefined;
  /** The rest of one region's release (its before-traffic check knows which region it gates). */
  readonly request: (region: string) => Omit<ReleaseRequest, 'image'>;
  readonly log: (region: string, line: string) => void;
}

export interface RegionResult {
  readonly region: string;
  readonly outcome: ReleaseOutcome;
}

export type RegionsOutcome =
  | { readonly kind: 'released'; readonly results: readonly RegionResult[] }
  | {
      readonly kind: 'failed';
      readonly region: string;
      /** The failed deployment (CodeDeploy rolled it back), or none when the release never started one. */
      readonly deploymentId: string | undefined;
      readonly reason: string;
      readonly results: readonly RegionResult[];
      /** Regions after the failed one: never touched, still on their previous release. */
      readonly notReleased: readonly string[];
    };

export async function releaseRegions(options: RegionsRequest): Promise<RegionsOutcome> {
  const results: RegionResult[] = [];
  // Without --image the primary's SSM parameter names the release; the others follow it.
  let image = options.image;
  for (const [i, region] of options.regions.entries()) {
    const log = (line: string) => options.log(region, line);
    if (options.regions.length > 1) log(`region ${i + 1}/${options.regions.length}`);
    const regionImage = image === undefined ? undefined : inRegion(parseImageRef(image), region).ref;
    const aws = options.clients(region);
    let outcome: ReleaseOutcome;
    try {
      outcome = await release(aws, options.names, { ...options.request(region), image: regionImage }, log);
    } catch (error) {
      return failed(options.regions, i, results, undefined, (error as Error).message);
    } finally {
      aws.destroy();
    }
    results.push({ region, outcome });
    if (outcome.kind === 'failed') return failed(options.regions, i, results, outcome.deploymentId, outcome.reason);
    image ??= outcome.image;
  }
  return { kind: 'released', results };
}

function failed(
  regions: readonly string[],
  index: number,
  results: readonly RegionResult[],
  deploymentId: string | undefined,
  reason: string,
): RegionsOutcome {
  return { kind: 'failed', region: regions[index]!, deploymentId, reason, results, notReleased: regions.slice(index + 1) };
}
