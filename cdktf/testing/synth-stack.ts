// Synthesizing the stack in a test: each call gets its own output directory under one temporary
// directory, removed when the test file ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { synthesize } from '../app.js';
import { loadStackConfig, type Env } from '../stack-config.js';
import { readSynth, type SynthDoc } from './synth-json.js';

export interface Synthesized {
  readonly doc: SynthDoc;
  readonly stackDir: string;
}

/** A `synth(env)` for one test file; `label` names its temporary directory. */
export function stackSynthesizer(label: string): (env: Env) => Synthesized {
  const workDir = mkdtempSync(join(tmpdir(), `balance-api-${label}-`));
  after(() => rmSync(workDir, { recursive: true, force: true }));
  let counter = 0;
  return (env) => {
    const { stackDir } = synthesize(loadStackConfig(env), join(workDir, `out-${counter++}`));
    return { doc: readSynth(stackDir), stackDir };
  };
}
