// Policy-scanner suppressions live on the resource that causes the finding, each with a one-line
// reason, as Terraform JSON comment properties ("//": terraform ignores them):
//   "//": { "checkov": { "skip": [{ "id": "CKV_AWS_91", "comment": "..." }] } }
// That is the shape checkov's own CDKTF fixture uses. Its terraform_json runner does not read it
// yet, so the synth also writes a checkov baseline derived from the same comments, and CI runs
// `checkov --baseline` with it: the reasons stay in the constructs, the baseline is generated.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TerraformElement } from 'cdktf';

export interface Skip {
  readonly id: string;
  readonly comment: string;
}

const CHECK_ID = /^CKV2?_AWS_\d+$/;
const skips = new WeakMap<TerraformElement, Skip[]>();

/** Accept a scanner finding on this resource, with the reason a reviewer reads. */
export function skipCheck(element: TerraformElement, id: string, comment: string): void {
  if (!CHECK_ID.test(id)) throw new Error(`not a checkov AWS check id: "${id}"`);
  if (comment.trim().length < 10) throw new Error(`skip ${id}: give a reason`);
  const list = [...(skips.get(element) ?? []), { id, comment }];
  skips.set(element, list);
  element.addOverride('//.checkov.skip', list);
}

export const BASELINE_FILE = 'checkov-baseline.json';

interface Finding {
  resource: string;
  check_ids: string[];
}

/** The skips in a synthesized cdk.tf.json, in checkov's baseline format. */
export function baselineOf(doc: Record<string, unknown>): { failed_checks: Array<{ file: string; findings: Finding[] }> } {
  const findings: Finding[] = [];
  for (const kind of ['resource', 'data'] as const) {
    const blocks = (doc[kind] ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
    for (const [type, byName] of Object.entries(blocks)) {
      for (const [name, body] of Object.entries(byName)) {
        const skip = ((body['//'] as { checkov?: { skip?: Skip[] } } | undefined)?.checkov?.skip ?? []) as Skip[];
        if (skip.length === 0) continue;
        const ids = [...new Set(skip.map((s) => s.id))].sort();
        // Checkov's runners spell an entity differently (`type.name`, `data.type.name`, and the
        // terraform_json runner `<block>.name`): list every spelling, so the baseline matches
        // whichever reports it. Names are unique per stack (cdktf adds a hash), so none collide.
        const spellings = new Set([`${type}.${name}`, `${kind}.${name}`, ...(kind === 'data' ? [`data.${type}.${name}`] : [])]);
        for (const resource of spellings) findings.push({ resource, check_ids: ids });
      }
    }
  }
  findings.sort((a, b) => a.resource.localeCompare(b.resource));
  return { failed_checks: [{ file: '/cdk.tf.json', findings }] };
}

export function writeBaseline(stackDir: string, doc: Record<string, unknown>): string {
  const path = join(stackDir, BASELINE_FILE);
  writeFileSync(path, `${JSON.stringify(baselineOf(doc), null, 2)}\n`);
  return path;
}
