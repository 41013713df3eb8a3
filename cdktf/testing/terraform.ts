// Runs the real terraform binary offline: finds the hashicorp/aws provider in a filesystem mirror
// (TF_PROVIDER_MIRROR, Terraform's implied local mirror directories, or a search of the root
// filesystem) and writes a CLI config that installs only from it.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run, type RunOptions, type RunResult } from './processes.js';

export interface Terraform {
  readonly version: string;
  readonly mirror: string;
  readonly cliConfig: string;
  run(args: readonly string[], options: RunOptions & { readonly cwd: string }): Promise<RunResult>;
}

const PROVIDER_GLOB = 'registry.terraform.io/hashicorp/aws';

let cached: Promise<Terraform | string> | undefined;

/** The tool, or the reason it cannot be used here. */
export function findTerraform(): Promise<Terraform | string> {
  cached ??= locate();
  return cached;
}

async function locate(): Promise<Terraform | string> {
  let version: string;
  try {
    const result = await run('terraform', ['version', '-json'], { timeoutMs: 20_000, env: baseEnv() });
    if (result.code !== 0) return `terraform version failed: ${result.stderr}`;
    version = (JSON.parse(result.stdout) as { terraform_version: string }).terraform_version;
  } catch {
    return 'terraform is not on PATH';
  }
  const mirror = await findMirror();
  if (mirror === undefined) {
    return `no filesystem mirror holding ${PROVIDER_GLOB} found (set TF_PROVIDER_MIRROR to its root)`;
  }
  const dir = mkdtempSync(join(tmpdir(), 'balance-api-tf-'));
  const cliConfig = join(dir, 'terraform.rc');
  writeFileSync(
    cliConfig,
    [
      'provider_installation {',
      `  filesystem_mirror { path = ${JSON.stringify(mirror)} }`,
      '  direct { exclude = ["registry.terraform.io/*/*"] }',
      '}',
      '',
    ].join('\n'),
  );
  return {
    version,
    mirror,
    cliConfig,
    run: (args, options) =>
      run('terraform', args, {
        ...options,
        env: { ...baseEnv(), TF_CLI_CONFIG_FILE: cliConfig, ...options.env },
      }),
  };
}

function baseEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    // No calls home for version checks: this machine has no internet.
    CHECKPOINT_DISABLE: '1',
  };
}

async function findMirror(): Promise<string | undefined> {
  const fromEnv = process.env.TF_PROVIDER_MIRROR;
  if (fromEnv !== undefined && fromEnv !== '') {
    return existsSync(join(fromEnv, PROVIDER_GLOB)) ? fromEnv : undefined;
  }
  // Terraform's implied local mirror directories (CLI configuration docs, Linux).
  const implied = [
    join(homedir(), '.terraform.d', 'plugins'),
    join(homedir(), '.local', 'share', 'terraform', 'plugins'),
    '/usr/local/share/terraform/plugins',
    '/usr/share/terraform/plugins',
  ];
  for (const dir of implied) {
    if (existsSync(join(dir, PROVIDER_GLOB))) return dir;
  }
  // Search the usual install roots first (seconds), then the whole root filesystem.
  let binary: string | undefined;
  for (const roots of [['/opt', '/usr/local', '/usr/share', '/srv', homedir()], ['/']]) {
    const found = await run(
      'find',
      [...roots.filter((r) => existsSync(r)), '-xdev', '-name', 'terraform-provider-aws_*', '-path', '*registry.terraform.io*'],
      { timeoutMs: 60_000 },
    );
    binary = found.stdout.split('\n').find((line) => line.includes(`/${PROVIDER_GLOB}/`));
    if (binary !== undefined) break;
  }
  if (binary === undefined) return undefined;
  // <root>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/terraform-provider-aws_*
  let root = binary;
  for (let i = 0; i < 6; i++) root = dirname(root);
  process.env.TF_PROVIDER_MIRROR = root;
  return root;
}

/** Asserts success with terraform's own output in the message. */
export function expectOk(label: string, result: RunResult): RunResult {
  if (result.code !== 0) {
    throw new Error(`${label} failed (exit ${result.code ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}
