// The GitHub workflows: schema-valid (action-validator), and held to the delivery rules: actions
// pinned by commit SHA, OIDC instead of stored AWS keys, least permissions, concurrency groups,
// timeouts, and the release order (image -> SSM -> apply -> canary with a smoke test first).
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
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Job {
  'runs-on': string;
  'timeout-minutes'?: number;
  permissions?: Record<string, string>;
  needs?: string | string[];
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean | string };
  jobs: Record<string, Job>;
}

const files = readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort();
const raw = Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
const workflows = Object.fromEntries(files.map((f) => [f, parse(raw[f]!) as Workflow]));
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps);

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
      }
    }
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
});
