import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { moduleAddress, moduleRefs } from '../../../src/init/templates.js';

/** Where the workflows export a pipeline's report, and the variables the secrets come from. */
const reportDir = '.lockstep/run';
const secretSources = { githubToken: 'env://GITHUB_TOKEN', registryAuth: 'env://LOCKSTEP_REGISTRY_PASSWORD', kubeconfig: 'env://LOCKSTEP_KUBECONFIG' } as const;
/** The credentials of the ecs and helm-values (Argo CD) targets: AWS's from the OIDC step, Argo CD's token a secret. */
const targetSecrets = {
  '--aws-access-key-id': 'env://AWS_ACCESS_KEY_ID',
  '--aws-secret-access-key': 'env://AWS_SECRET_ACCESS_KEY',
  '--aws-session-token': 'env://AWS_SESSION_TOKEN',
  '--argocd-token': 'env://ARGOCD_AUTH_TOKEN',
} as const;
const awsAction = 'aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c';

const root = fileURLToPath(new URL('../../..', import.meta.url));
/** The orchestrator workflows `lockstep init` writes into a team's repository (not lockstep's own CI). */
const dir = join(root, 'templates', 'workflows');
const files = readdirSync(dir).filter((file) => /\.ya?ml$/.test(file)).sort();

/** The action and its pin: v8.4.1 of dagger/dagger-for-github, the commit its tag points at. */
const daggerAction = 'dagger/dagger-for-github@27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77';

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string; id?: string; shell?: string };
type Job = { 'runs-on': string; permissions?: Record<string, string>; environment?: string; steps: Step[]; if?: string; needs?: string; 'timeout-minutes'?: number };
type Workflow = { name: string; on: Record<string, unknown>; permissions?: unknown; concurrency?: { group: string; 'cancel-in-progress': boolean }; jobs: Record<string, Job> };

function load(file: string): { text: string; workflow: Workflow } {
  const text = readFileSync(join(dir, file), 'utf8');
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: true });
  assert.deepEqual(doc.errors.map((error) => error.message), [], `${file} is valid YAML`);
  return { text, workflow: doc.toJS({ maxAliasCount: 0 }) as Workflow };
}

const steps = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps);
const isDaggerCall = (step: Step) => (step.uses?.startsWith('dagger/dagger-for-github@') ?? false) || /\bdagger\s+call\b/.test(step.run ?? '');
/** The job that runs the `dagger call` (and holds the secrets); an `inputs` job may run before it. */
const mainJob = (workflow: Workflow) => Object.values(workflow.jobs).find((job) => job.steps.some(isDaggerCall))!;

function daggerStep(workflow: Workflow): Step {
  const found = steps(workflow).filter(isDaggerCall);
  assert.equal(found.length, 1);
  return found[0]!;
}

function callWords(step: Step): string[] {
  return String(step.with?.call ?? '').trim().split(/\s+/);
}

const packageVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

type Need = 'github' | 'registry' | 'environment';

/**
 * Which workflow runs which pipeline function, on which event, and what its stages talk to: GitHub
 * (comments, the lock commit, the gate, the release), registries, environments.
 */
const expected: Record<string, { fn: string; needs: Need[]; events: string[]; environment?: string }> = {
  'pr-check.yml': { fn: 'pr-check', needs: ['github', 'registry'], events: ['pull_request'] },
  'promote-staging.yml': { fn: 'promote-staging', needs: ['github', 'registry', 'environment'], events: ['push', 'workflow_dispatch'], environment: 'staging' },
  'promote-production.yml': { fn: 'promote-production', needs: ['github', 'registry', 'environment'], events: ['push', 'workflow_dispatch'], environment: 'production' },
  'rollback.yml': { fn: 'rollback', needs: ['registry', 'environment'], events: ['workflow_dispatch'], environment: '${{ needs.inputs.outputs.environment }}' },
  'hotfix.yml': { fn: 'hotfix', needs: ['github', 'registry'], events: ['workflow_dispatch'] },
};

describe('GitHub Actions workflows', () => {
  it('are one file per trigger, nothing more or less', () => {
    assert.deepEqual(files, Object.keys(expected).sort());
  });

  for (const file of files) {
    describe(file, () => {
      const { text, workflow } = load(file);
      const want = expected[file]!;

      it('runs on its trigger', () => {
        assert.deepEqual(Object.keys(workflow.on).sort(), [...want.events].sort());
        if (file === 'pr-check.yml') assert.deepEqual((workflow.on.pull_request as { branches: string[] }).branches, ['staging']);
        if (file === 'promote-staging.yml') assert.deepEqual((workflow.on.push as { branches: string[] }).branches, ['staging']);
        if (file === 'promote-production.yml') assert.deepEqual((workflow.on.push as { branches: string[] }).branches, ['main']);
      });

      it('has exactly one step running dagger call, through the pinned v8 action and the engine version', () => {
        const step = daggerStep(workflow);
        assert.equal(step.uses, daggerAction);
        const line = text.split('\n').find((entry) => entry.includes(daggerAction))!;
        assert.match(line, /# v8\.\d+\.\d+$/, 'the pin says which release it is');
        const engine = (JSON.parse(readFileSync(join(root, 'dagger.json'), 'utf8')) as { engineVersion: string }).engineVersion;
        assert.equal(`v${String(step.with?.version)}`, engine);
        assert.equal(step.with?.verb ?? 'call', 'call');
      });

      it('loads the lockstep module pinned to this version, never the dagger.json of the checkout', () => {
        const step = daggerStep(workflow);
        assert.equal(step.with?.module, `${moduleAddress}@v${packageVersion}`);
        assert.deepEqual(moduleRefs(text), [`${moduleAddress}@v${packageVersion}`]);
        const words = callWords(step);
        assert.equal(words[words.indexOf('--source') + 1], '.', 'the checkout goes to the module as its --source directory');
      });

      it('pins every action by a full commit SHA, with the version beside it', () => {
        for (const step of steps(workflow).filter((candidate) => candidate.uses !== undefined)) {
          assert.match(step.uses!, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, step.uses);
          const line = text.split('\n').find((entry) => entry.includes(`uses: ${step.uses}`))!;
          assert.match(line, /# v\d+\.\d+\.\d+$/, step.uses);
        }
      });

      it('declares least-privilege permissions: nothing for the workflow, read-only for its job token', () => {
        assert.deepEqual(workflow.permissions, {});
        for (const [name, job] of Object.entries(workflow.jobs)) {
          assert.ok(job.permissions, `${name} declares its permissions`);
          if (job !== mainJob(workflow)) assert.ok(!JSON.stringify(job).includes('secrets.'), `${name} holds no secret`);
          for (const [scope, level] of Object.entries(job.permissions)) {
            // id-token: write lets the AWS OIDC step ask GitHub for a token; it grants nothing on the repository.
            if (scope === 'id-token' && want.needs.includes('environment') && job === mainJob(workflow)) assert.equal(level, 'write');
            else assert.equal(level, 'read', `${name}: ${scope}`);
          }
        }
      });

      it('calls its composite with exactly the constructor flags the composite needs, secrets by env://', () => {
        const step = daggerStep(workflow);
        const words = callWords(step);
        const fnAt = words.indexOf(want.fn);
        assert.ok(fnAt > 0, `calls ${want.fn}`);
        const constructor = words.slice(0, fnAt).filter((word) => word.startsWith('--'));
        const needs = new Set(want.needs);
        const wanted = [
          '--source',
          ...(needs.has('github') ? ['--github-token', '--repository'] : []),
          ...(needs.has('registry') ? ['--registry-username', '--registry-auth'] : []),
          ...(needs.has('environment') ? ['--kubeconfig', '--aws-region', ...Object.keys(targetSecrets)] : []),
        ];
        assert.deepEqual(constructor.sort(), wanted.sort());
        for (const [flag, source] of [
          ['--github-token', secretSources.githubToken],
          ['--registry-auth', secretSources.registryAuth],
          ['--kubeconfig', secretSources.kubeconfig],
          ...Object.entries(targetSecrets),
        ] as const) {
          if (!constructor.includes(flag)) continue;
          assert.equal(words[words.indexOf(flag) + 1], source, `${flag} comes from the variable rerun lines name`);
          const variable = source.replace('env://', '');
          assert.ok(step.env?.[variable], `${variable} is set on the step`);
          const fromOidc = variable.startsWith('AWS_') ? `|env\\.${variable}` : '';
          assert.match(step.env![variable]!, new RegExp(`^\\$\\{\\{ (secrets\\.\\w+|steps\\.app\\.outputs\\.token${fromOidc}) \\}\\}$`), `${variable} is a secret`);
        }
      });

      if (want.needs.includes('environment')) it('takes AWS credentials for ecs targets from GitHub OIDC (role-to-assume), before the dagger call', () => {
        const job = mainJob(workflow);
        assert.equal(job.permissions?.['id-token'], 'write');
        const at = job.steps.findIndex((step) => step.uses === awsAction);
        assert.ok(at >= 0, 'the configure-aws-credentials step');
        assert.ok(at < job.steps.findIndex(isDaggerCall), 'before the dagger call');
        assert.deepEqual(job.steps[at]!.with, { 'role-to-assume': '${{ vars.LOCKSTEP_AWS_ROLE_ARN }}', 'aws-region': '${{ vars.LOCKSTEP_AWS_REGION }}' });
        assert.equal(job.steps[at]!.if, "vars.LOCKSTEP_AWS_ROLE_ARN != ''", 'skipped without an ecs environment');
        assert.equal(daggerStep(workflow).env?.AWS_REGION, '${{ env.AWS_REGION }}');
      });

      it('exports the report where rerun lines point, uploads it, and fails the job from it', () => {
        const words = callWords(daggerStep(workflow));
        assert.deepEqual(words.slice(-3), ['export', '--path', reportDir]);
        const upload = steps(workflow).find((step) => step.uses?.startsWith('actions/upload-artifact@'));
        assert.equal(upload?.if, 'always()');
        assert.equal(upload?.with?.path, reportDir);
        assert.equal(upload?.with?.['include-hidden-files'], true);
        const verdict = steps(workflow).at(-1)!;
        assert.match(verdict.run ?? '', /jq -r \.status \.lockstep\/run\/run\.json\)" = passed/);
      });

      it('puts every value on the command line through a quoted variable set on the step', () => {
        const step = daggerStep(workflow);
        const call = String(step.with?.call);
        assert.doesNotMatch(call, /\$\{\{/, 'no expression is pasted into the script the action runs');
        // Outside ${NAME:+...}, every $NAME is inside double quotes, so no value is split into more words.
        const bare = call.replace(/\$\{(\w+):\+[^}]*\}/g, (whole, name: string) => {
          assert.match(whole, new RegExp(`^\\$\\{${name}:\\+--[a-z-]+ "\\$${name}"\\}$`), whole);
          return '';
        });
        for (const match of bare.matchAll(/(.)\$(\w+)(.)/g)) {
          assert.equal(`${match[1]}${match[3]}`, '""', `$${match[2]} is quoted`);
          assert.ok(step.env?.[match[2]!], `${match[2]} is set on the step`);
        }
        for (const step of steps(workflow).filter((candidate) => candidate.run !== undefined)) {
          assert.doesNotMatch(step.run!, /\$\{\{/, 'run scripts read inputs from env, never from ${{ }}');
        }
      });

      it('checks out one fixed commit without leaving a token in .git/config (the whole repository goes to the engine)', () => {
        const checkouts = steps(workflow).filter((step) => step.uses?.startsWith('actions/checkout@'));
        assert.equal(checkouts.length, 1);
        assert.equal(checkouts[0]!.with?.['persist-credentials'], false);
        const ref = String(checkouts[0]!.with?.ref);
        // Never refs/pull/N/head, which moves after the review: the event's commit, the reviewed one, or main.
        const fixed: Record<string, string> = {
          'pr-check.yml': '${{ github.event.pull_request.head.sha }}',
          'hotfix.yml': '${{ needs.inputs.outputs.head_sha }}',
          'rollback.yml': 'main',
        };
        assert.equal(ref, fixed[file] ?? '${{ github.sha }}');
      });

      it('serialises runs per environment or pull request', () => {
        assert.ok(workflow.concurrency, 'has a concurrency group');
        if (want.environment !== undefined) {
          const job = mainJob(workflow);
          assert.equal(job.environment, want.environment);
          assert.equal(workflow.concurrency['cancel-in-progress'], false, 'a deploy is never cancelled half-way');
          assert.match(workflow.concurrency.group, want.environment.startsWith('${{') ? /\$\{\{ inputs\.environment \}\}/ : new RegExp(want.environment));
        } else {
          assert.match(workflow.concurrency.group, /pull_request/);
        }
      });
    });
  }

  it('puts staging and production deploys in the same groups the manual rollback uses', () => {
    const group = (file: string) => load(file).workflow.concurrency!.group;
    assert.equal(group('promote-staging.yml'), group('rollback.yml').replace('${{ inputs.environment }}', 'staging'));
    assert.equal(group('promote-production.yml'), group('rollback.yml').replace('${{ inputs.environment }}', 'production'));
  });
});
