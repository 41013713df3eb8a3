/**
 * What an end-to-end run against the AWS emulator needs: terraform with its offline provider, and
 * moto. Either the terraform to run, or the reason the run is skipped (toolMissing fails it in CI).
 */
import { motoMissing } from './moto.js';
import { findTerraform, type Terraform } from './terraform.js';

export async function findEmulatorTools(): Promise<[Terraform, undefined] | [undefined, string]> {
  const [terraform, noMoto] = await Promise.all([findTerraform(), motoMissing()]);
  if (typeof terraform === 'string') return [undefined, terraform];
  return noMoto === undefined ? [terraform, undefined] : [undefined, noMoto];
}
