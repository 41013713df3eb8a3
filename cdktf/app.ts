// Builds the cdktf App for a config. main.ts synthesizes it to disk; tests synthesize into a
// temporary directory.
import { readFileSync, writeFileSync } from 'node:fs';
import { App } from 'cdktf';
import { BalanceApiStack } from './balance-api-stack.js';
import type { Deployment } from './deployment-config.js';
import { GlobalStack } from './global-stack.js';
import { writeBaseline } from './policy/checkov.js';
import type { StackConfig } from './stack-config.js';

export interface SynthResult {
  readonly outdir: string;
  /** Directory holding cdk.tf.json: run terraform here. */
  readonly stackDir: string;
}

export interface SynthesizedStack {
  readonly name: string;
  readonly kind: 'regional' | 'global';
  readonly region: string;
  /** Relative to the output directory. */
  readonly dir: string;
}

/** The manifest main.ts writes beside the stacks: what to apply, in order (regions, then global). */
export const DEPLOY_ORDER_FILE = 'deploy-order.json';

export function synthesize(config: StackConfig, outdir: string): SynthResult {
  const [stack] = synthesizeDeployment({ regional: [config], global: undefined }, outdir);
  return { outdir, stackDir: `${outdir}/${stack!.dir}` };
}

/** Every stack of a deployment; returns them in apply order and writes that order to DEPLOY_ORDER_FILE. */
export function synthesizeDeployment(deployment: Deployment, outdir: string): SynthesizedStack[] {
  const app = new App({ outdir, skipValidation: false });
  const stacks: SynthesizedStack[] = deployment.regional.map((config) => {
    new BalanceApiStack(app, config);
    return { name: config.stackName, kind: 'regional', region: config.region, dir: `stacks/${config.stackName}` };
  });
  if (deployment.global !== undefined) {
    const base = deployment.global.base;
    new GlobalStack(app, deployment.global);
    stacks.push({ name: base.stackName, kind: 'global', region: base.region, dir: `stacks/${base.stackName}` });
  }
  app.synth();
  for (const stack of stacks) {
    const stackDir = `${outdir}/${stack.dir}`;
    // The policy scanner's accepted findings, derived from the skips the constructs declare.
    writeBaseline(stackDir, JSON.parse(readFileSync(`${stackDir}/cdk.tf.json`, 'utf8')) as Record<string, unknown>);
  }
  writeFileSync(`${outdir}/${DEPLOY_ORDER_FILE}`, `${JSON.stringify(stacks, null, 2)}\n`);
  return stacks;
}
