// `npm run synth`: writes cdktf/cdktf.out/stacks/<stack>/cdk.tf.json from the environment.
import { fileURLToPath } from 'node:url';
import { synthesize } from './app.js';
import { loadStackConfig } from './stack-config.js';

const outdir = fileURLToPath(new URL('./cdktf.out', import.meta.url));
const config = loadStackConfig(process.env);
const { stackDir } = synthesize(config, outdir);
const mode = config.emulatorEndpoint === undefined ? 'AWS' : `emulator at ${config.emulatorEndpoint}`;
console.log(`synthesized ${config.stackName} (${mode}, ${config.backend.kind} state) -> ${stackDir}/cdk.tf.json`);
