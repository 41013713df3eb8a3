// Reading a synthesized cdk.tf.json in tests: resources by type, references by address.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Json = Record<string, unknown>;

export interface SynthDoc {
  readonly raw: Json;
  /** Every resource of a type, with its Terraform address (type.name). */
  resources(type: string): Array<{ address: string; name: string; body: Json }>;
  one(type: string): { address: string; name: string; body: Json };
  dataSources(type: string): Array<{ address: string; name: string; body: Json }>;
}

export function readSynth(stackDir: string): SynthDoc {
  const raw = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as Json;
  const block = (kind: 'resource' | 'data', type: string) => {
    const all = (raw[kind] ?? {}) as Record<string, Record<string, Json>>;
    return Object.entries(all[type] ?? {}).map(([name, body]) => ({
      address: `${kind === 'data' ? 'data.' : ''}${type}.${name}`,
      name,
      body,
    }));
  };
  return {
    raw,
    resources: (type) => block('resource', type),
    dataSources: (type) => block('data', type),
    one(type) {
      const found = block('resource', type);
      if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
      return found[0]!;
    },
  };
}

/** `${aws_lb_target_group.alb_blue_1234.arn}` -> true when `value` references `address`. */
export function references(value: unknown, address: string): boolean {
  return typeof value === 'string' && value.includes(`\${${address}.`);
}

/** The `api` container of the one task definition: its plain environment and its secrets. */
export function apiContainer(doc: SynthDoc): {
  environment: Array<{ name: string; value: string }>;
  secrets: Array<{ name: string; valueFrom: string }>;
} {
  const all = JSON.parse(doc.one('aws_ecs_task_definition').body.container_definitions as string) as Array<Json & { name: string }>;
  const api = all.find((c) => c.name === 'api');
  if (api === undefined) throw new Error('no api container');
  return api as never;
}
