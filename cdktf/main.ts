// `npm run synth`: writes cdktf/cdktf.out/stacks/<stack>/cdk.tf.json for every stack of the
// deployment (DEPLOY_REGIONS), and cdktf.out/deploy-order.json: which to apply, in order.
import { fileURLToPath } from 'node:url';
import { synthesizeDeployment } from './app.js';
import { loadDeployment } from './deployment-config.js';

const outdir = fileURLToPath(new URL('./cdktf.out', import.meta.url));
const deployment = loadDeployment(process.env);
const stacks = synthesizeDeployment(deployment, outdir);
const config = deployment.regional[0]!;
const mode = config.emulatorEndpoint === undefined ? 'AWS' : `emulator at ${config.emulatorEndpoint}`;
for (const stack of stacks) {
  console.log(`synthesized ${stack.name} (${stack.kind}, ${stack.region}, ${mode}, ${config.backend.kind} state) -> ${outdir}/${stack.dir}/cdk.tf.json`);
}
