// Builds the cdktf App for a config. main.ts synthesizes it to disk; tests synthesize into a
// temporary directory.
import { readFileSync } from 'node:fs';
import { App } from 'cdktf';
import { BalanceApiStack } from './balance-api-stack.js';
import { writeBaseline } from './policy/checkov.js';
import type { StackConfig } from './stack-config.js';

export interface SynthResult {
  readonly outdir: string;
  /** Directory holding cdk.tf.json: run terraform here. */
  readonly stackDir: string;
}

export function synthesize(config: StackConfig, outdir: string): SynthResult {
  const app = new App({ outdir, skipValidation: false });
  new BalanceApiStack(app, config);
  app.synth();
  const stackDir = `${outdir}/stacks/${config.stackName}`;
  // The policy scanner's accepted findings, derived from the skips the constructs declare.
  writeBaseline(stackDir, JSON.parse(readFileSync(`${stackDir}/cdk.tf.json`, 'utf8')) as Record<string, unknown>);
  return { outdir, stackDir };
}
