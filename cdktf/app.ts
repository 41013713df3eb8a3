// Builds the cdktf App for a config. main.ts synthesizes it to disk; tests synthesize into a
// temporary directory.
import { App } from 'cdktf';
import { BalanceApiStack } from './balance-api-stack.js';
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
  return { outdir, stackDir: `${outdir}/stacks/${config.stackName}` };
}
