// The GitHub workflows: schema-valid (action-validator), and held to the delivery rules: actions
// pinned by commit SHA (and only to the SHAs checked against their tags, below), OIDC instead of
// stored AWS keys, least permissions, concurrency groups, timeouts, Node 24 on ubuntu-24.04, the
// policy scan of the synthesized Terraform, and the release order (image -> SBOM -> scan -> sign;
// verify -> SSM -> apply -> canary with a smoke test first).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { run } from './testing/processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, '.github', 'workflows');
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Job {
  'runs-on': string;
  strategy?: { matrix?: Record<string, unknown> };
  'timeout-minutes'?: number;
  permissions?: Record<string, string>;
  needs?: string | string[];
  steps: Step[];
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean | string };
  jobs: Record<string, Job>;
}

const files = readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort();
const raw = Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
const workflows = Object.fromEntries(files.map((f) => [f, parse(raw[f]!) as Workflow]));
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps);

// Every action SHA in use, checked on 2026-11-30 against the tag named in its comment
// (`git rev-parse <tag>^{commit}` in a clone of the action's repository). A new pin is added here
// only after the same check: tags can be force-pushed (aquasecurity/trivy-action, March 2026),
// a commit SHA cannot.
const VERIFIED_PINS: Record<string, string> = {
  'actions/checkout@93cb6efe18208431cddfb8368fd83d5badbf9bfd': 'v5.0.1',
  'actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444': 'v5.0.0',
  'actions/upload-artifact@b7c566a772e6b6bfb58ed0dc250532a479d7789f': 'v6.0.0',
  'hashicorp/setup-terraform@dfe3c3f87815947d99a8997f908cb6525fc44e9e': 'v4.0.1',
  'aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c': 'v6.2.3',
  'aws-actions/amazon-ecr-login@03f1aad4c6c7ffd436567f42f9384779290529bd': 'v2.1.7',
  'docker/setup-qemu-action@96fe6ef7f33517b61c61be40b68a1882f3264fb8': 'v4.2.0',
  'docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e': 'v4.3.0',
  'docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a': 'v7.3.0',
  'anchore/scan-action@e1165082ffb1fe366ebaf02d8526e7c4989ea9d2': 'v7.4.0',
  'sigstore/cosign-installer@6f9f17788090df1f26f669e9d70d6ae9567deba6': 'v4.1.2',
};
const commandsOf = (job: Job) => job.steps.map((s) => s.run ?? s.uses ?? '');
const indexOf = (job: Job, pattern: RegExp) => commandsOf(job).findIndex((command) => pattern.test(command));

describe('GitHub workflows', () => {
  it('are ci, plan and release', () => {
    assert.deepEqual(files, ['ci.yml', 'plan.yml', 'release.yml']);
  });

  for (const file of files) {
    it(`${file} passes action-validator`, async () => {
      const cli = join(root, 'node_modules', '@action-validator', 'cli', 'cli.mjs');
      const result = await run(process.execPath, [cli, join(dir, file)], { timeoutMs: 30_000 });
      assert.equal(result.code, 0, result.stdout + result.stderr);
    });
  }

  it('pin every action to a full commit SHA, with the version in a comment', () => {
    for (const [file, text] of Object.entries(raw)) {
      for (const step of steps(workflows[file]!)) {
        if (step.uses === undefined) continue;
        assert.match(step.uses, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${file}: ${step.uses}`);
        const line = text.split('\n').find((l) => l.includes(step.uses!));
        assert.match(line ?? '', /@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${file}: version comment for ${step.uses}`);
        assert.ok(step.uses in VERIFIED_PINS, `${file}: ${step.uses} is not a verified pin`);
        assert.ok(line!.endsWith(`# ${VERIFIED_PINS[step.uses]}`), `${file}: ${step.uses} is ${VERIFIED_PINS[step.uses]}`);
      }
    }
  });

  it('run every job on ubuntu-24.04 with Node 24 (ci also keeps the end-of-life Node 20 leg)', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries(workflow.jobs)) {
        assert.equal(job['runs-on'], 'ubuntu-24.04', `${file} ${name}`);
        for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/setup-node@'))) {
          const version = String(step.with?.['node-version']);
          if (version === '${{ matrix.node }}') {
            assert.deepEqual(job.strategy?.matrix?.node, ['24', '20'], `${file} ${name}: matrix`);
          } else {
            assert.equal(version, '24', `${file} ${name}: node-version`);
          }
        }
      }
    }
    const test = workflows['ci.yml']!.jobs.test!;
    for (const slow of [/npm run test:infra-e2e/, /npm run bench/]) {
      assert.equal(test.steps[indexOf(test, slow)]!.if, "matrix.node == '24'", `${slow} runs on the Node 24 leg`);
    }
  });

  it('scan the synthesized Terraform with checkov in ci and plan, with the baseline the synth writes', () => {
    for (const [file, jobName] of [['ci.yml', 'policy'], ['plan.yml', 'plan']] as const) {
      const job = workflows[file]!.jobs[jobName]!;
      const install = indexOf(job, /pip" install --quiet "checkov==\$\{CHECKOV_VERSION\}"/);
      const synth = indexOf(job, /^npm run synth$/);
      const scan = indexOf(job, /checkov" --framework terraform_json/);
      assert.ok(install >= 0 && install < synth && synth < scan, `${file}: install, synth, scan\n${commandsOf(job).join('\n')}`);
      const command = commandsOf(job)[scan]!;
      assert.match(command, /--file cdktf\/cdktf\.out\/stacks\/balance-api\/cdk\.tf\.json/);
      assert.match(command, /--baseline cdktf\/cdktf\.out\/stacks\/balance-api\/checkov-baseline\.json/);
      assert.doesNotMatch(command, /--soft-fail|\|\| true/, `${file}: findings fail the job`);
      const version = (workflows[file]!.env ?? job.env ?? {}).CHECKOV_VERSION;
      assert.match(String(version), /^\d+\.\d+\.\d+$/, `${file}: checkov version pinned`);
    }
    const plan = workflows['plan.yml']!.jobs.plan!;
    assert.ok(indexOf(plan, /checkov" --framework/) < indexOf(plan, /terraform plan/), 'plan scans before planning');
  });

  it('reach AWS only through OIDC, with id-token granted only where credentials are configured', () => {
    for (const [file, text] of Object.entries(raw)) {
      assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|secrets\.AWS_/i, file);
      for (const [name, job] of Object.entries(workflows[file]!.jobs)) {
        const assumes = job.steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
        assert.equal(job.permissions?.['id-token'] === 'write', assumes, `${file} ${name}: id-token only with AWS`);
        if (assumes) {
          const step = job.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
          assert.match(String(step.with?.['role-to-assume']), /^\$\{\{ vars\.AWS_\w+_ROLE_ARN \}\}$/);
        }
      }
    }
  });

  it('grant least permissions: read-only by default, nothing but id-token added per job', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      assert.deepEqual(workflow.permissions, { contents: 'read' }, `${file}: top-level permissions`);
      for (const [name, job] of Object.entries(workflow.jobs)) {
        for (const [scope, level] of Object.entries(job.permissions ?? {})) {
          assert.ok(
            (scope === 'contents' && level === 'read') || (scope === 'id-token' && level === 'write'),
            `${file} ${name}: ${scope}: ${level}`,
          );
        }
      }
    }
  });

  it('use concurrency groups, job timeouts, and checkouts that keep no token', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      assert.ok(workflow.concurrency?.group, `${file}: concurrency group`);
      for (const [name, job] of Object.entries(workflow.jobs)) {
        assert.ok((job['timeout-minutes'] ?? 0) > 0, `${file} ${name}: timeout-minutes`);
        for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/checkout@'))) {
          assert.equal(step.with?.['persist-credentials'], false, `${file} ${name}: persist-credentials`);
        }
      }
    }
    assert.equal(workflows['release.yml']!.concurrency?.['cancel-in-progress'], false, 'never cancel a release');
  });

  it('trigger ci on PRs and main, plan on PRs and feature branches, release on main', () => {
    const { ci, plan, release } = {
      ci: workflows['ci.yml']!.on,
      plan: workflows['plan.yml']!.on,
      release: workflows['release.yml']!.on,
    };
    assert.ok('pull_request' in ci && (ci.push as { branches: string[] }).branches.includes('main'));
    assert.ok('pull_request' in plan);
    assert.deepEqual((plan.push as { branches: string[] }).branches, ['feature/**']);
    assert.deepEqual(Object.keys(release), ['push']);
    assert.deepEqual((release.push as { branches: string[] }).branches, ['main']);
  });

  it('run only npm scripts and repository files that exist', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      for (const step of steps(workflow)) {
        for (const [, script] of (step.run ?? '').matchAll(/npm run ([\w:-]+)/g)) {
          assert.ok(script! in scripts, `${file}: npm run ${script} is a package.json script`);
        }
      }
    }
    assert.ok(existsSync(join(root, 'Dockerfile')));
    assert.match(raw['release.yml']!, /\/loadtest\/smoke\.ts/);
    assert.ok(existsSync(join(root, 'loadtest', 'smoke.ts')), 'the release smoke test exists');
  });

  it('ci type-checks, builds, tests, runs the infra end to end and a bench smoke', () => {
    const commands = steps(workflows['ci.yml']!).map((s) => s.run ?? '').join('\n');
    for (const command of ['npm ci', 'npm run typecheck', 'npm run build', 'npm test', 'npm run test:infra-e2e', 'npm run bench']) {
      assert.ok(commands.includes(command), command);
    }
  });

  it('plan synthesizes and runs terraform plan without taking the state lock', () => {
    const commands = steps(workflows['plan.yml']!).map((s) => s.run ?? '').join('\n');
    assert.ok(commands.includes('npm run synth'));
    assert.match(commands, /terraform plan .*-lock=false/);
    assert.doesNotMatch(commands, /terraform apply/);
  });

  it('release builds multi-arch, pushes by digest, publishes to SSM, applies, then canaries with a smoke gate', () => {
    const workflow = workflows['release.yml']!;
    const build = steps(workflow).find((s) => s.uses?.startsWith('docker/build-push-action@'));
    assert.equal(build?.with?.platforms, 'linux/amd64,linux/arm64');
    assert.equal(build?.with?.push, true);
    const deploy = workflow.jobs.deploy!;
    assert.equal(deploy.needs, 'image');
    const order = deploy.steps.map((s) => s.run ?? s.uses ?? '');
    const at = (pattern: RegExp) => order.findIndex((command) => pattern.test(command));
    const publish = at(/aws ssm put-parameter --name \/int\/balance-api\/image_digest/);
    const apply = at(/terraform apply/);
    const open = at(/authorize-security-group-ingress/);
    const canary = at(/npm run release -- --image "\$IMAGE" --before-traffic/);
    const close = at(/revoke-security-group-ingress/);
    assert.ok(publish >= 0 && publish < apply && apply < open && open < canary && canary < close, order.join('\n'));
    assert.match(deploy.steps[close]!.if ?? '', /always\(\)/, 'the test listener is closed even when the release fails');
    assert.match(String(deploy.steps[canary]!.run), /k6.* run \/loadtest\/smoke\.ts/);
  });

  it('release attaches an SBOM and provenance, uploads the SBOM, scans, then signs the pushed digest', () => {
    const job = workflows['release.yml']!.jobs.image!;
    const build = job.steps.find((s) => s.uses?.startsWith('docker/build-push-action@'))!;
    assert.equal(build.with?.sbom, true);
    assert.equal(build.with?.provenance, 'mode=max');
    const built = indexOf(job, /^docker\/build-push-action@/);
    const sbom = indexOf(job, /imagetools inspect "\$IMAGE" --format '\{\{ json \.SBOM \}\}' > sbom\.spdx\.json/);
    const upload = indexOf(job, /^actions\/upload-artifact@/);
    const scan = indexOf(job, /^anchore\/scan-action@/);
    const sign = indexOf(job, /^cosign sign --yes "\$IMAGE"$/);
    assert.ok(built < sbom && sbom < upload && upload < scan && scan < sign, commandsOf(job).join('\n'));
    assert.equal(job.steps[upload]!.with?.path, 'sbom.spdx.json');
    assert.deepEqual(
      { ...job.steps[scan]!.with },
      {
        image: '${{ steps.ref.outputs.image }}',
        'fail-build': true,
        'severity-cutoff': 'critical',
        'only-fixed': true,
        'output-format': 'table',
        config: '.grype.yaml',
      },
    );
    assert.ok(existsSync(join(root, '.grype.yaml')), 'the reviewed ignore file exists');
    assert.match(readFileSync(join(root, '.grype.yaml'), 'utf8'), /^ignore:/m);
    assert.ok(indexOf(job, /^sigstore\/cosign-installer@/) < sign);
    assert.equal(job.permissions?.['id-token'], 'write', 'keyless signing uses the job\'s OIDC token');
  });

  it('deploy verifies the signature, bound to this workflow on main and GitHub\'s issuer, before SSM', () => {
    const deploy = workflows['release.yml']!.jobs.deploy!;
    const verify = indexOf(deploy, /^cosign verify "\$IMAGE"/);
    const publish = indexOf(deploy, /aws ssm put-parameter --name \/int\/balance-api\/image_digest/);
    assert.ok(verify >= 0 && verify < publish, commandsOf(deploy).join('\n'));
    const command = commandsOf(deploy)[verify]!;
    assert.match(
      command,
      /--certificate-identity "https:\/\/github\.com\/\$\{GITHUB_REPOSITORY\}\/\.github\/workflows\/release\.yml@refs\/heads\/main"/,
    );
    assert.match(command, /--certificate-oidc-issuer https:\/\/token\.actions\.githubusercontent\.com/);
    assert.match(command, /--certificate-github-workflow-sha "\$GITHUB_SHA"/);
    assert.doesNotMatch(command, /identity-regexp|\|\| true/, 'an exact identity, and a failure stops the job');
    assert.ok(indexOf(deploy, /^aws-actions\/amazon-ecr-login@/) < verify, 'cosign reads the signature from ECR');
    // The image job's output is only the digest reference the release program accepts.
    assert.match(raw['release.yml']!, /echo "image=\$REGISTRY\/balance-api@\$DIGEST" >> "\$GITHUB_OUTPUT"/);
  });
});
