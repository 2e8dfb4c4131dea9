import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * Each workflow's input handling, run for real with bash on hostile values: the validation step of the
 * `inputs` job as GitHub runs a `shell: bash` step, and the `dagger call` line of the job that holds the
 * secrets as dagger/dagger-for-github pastes it into its own bash script. No input may add a flag, a
 * word, an output line or a command.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = join(root, 'templates', 'workflows');
const work = mkdtempSync(join(tmpdir(), 'lockstep-inputs-'));
after(() => rmSync(work, { recursive: true, force: true }));

type Step = { id?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> };
type Job = { needs?: string; environment?: string; steps: Step[] };
type Workflow = { on: { workflow_dispatch?: { inputs?: Record<string, { type: string; required?: boolean }> } }; jobs: Record<string, Job> };

const load = (file: string) => parse(readFileSync(join(dir, file), 'utf8')) as Workflow;
const dispatched = readdirSync(dir)
  .filter((file) => file.endsWith('.yml'))
  .sort()
  .filter((file) => Object.keys(load(file).on.workflow_dispatch?.inputs ?? {}).length > 0);

/** Runs a script the way GitHub runs `shell: bash` (`bash --noprofile --norc -eo pipefail {0}`). */
function runBash(script: string, env: Record<string, string>): { status: number | null; stdout: string; outputs: Record<string, string> } {
  const scriptFile = join(work, `step-${process.hrtime.bigint()}.sh`);
  const outputFile = `${scriptFile}.out`;
  writeFileSync(scriptFile, script);
  writeFileSync(outputFile, '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], {
    cwd: work,
    encoding: 'utf8',
    env: { PATH: env.PATH ?? process.env.PATH ?? '/usr/bin:/bin', GITHUB_OUTPUT: outputFile, ...env },
  });
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(outputFile, 'utf8').split('\n').filter(Boolean)) {
    const at = line.indexOf('=');
    assert.ok(!(line.slice(0, at) in outputs), `output ${line.slice(0, at)} is written once`);
    outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  return { status: result.status, stdout: result.stdout, outputs };
}

/** The step's env with `${{ inputs.NAME }}` and `${{ github.ref }}` replaced by the values given. */
function stepEnv(step: Step, values: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, expression] of Object.entries(step.env ?? {})) {
    const input = /^\$\{\{ inputs\.(\w+) \}\}$/.exec(expression)?.[1];
    if (input !== undefined) env[name] = values[input] ?? '';
    else if (expression === '${{ github.ref }}') env[name] = values.ref ?? '';
    else assert.fail(`${name}: the validation step reads only inputs and github.ref (${expression})`);
  }
  return env;
}

/** A valid run of each workflow, then hostile values for each input. */
const valid: Record<string, Record<string, string>> = {
  'hotfix.yml': { pull_request: '42', head_sha: 'a'.repeat(40), services: 'cart,catalog' },
  'promote-production.yml': { pull_request: '7', version: 'v1.4.2' },
  'rollback.yml': { environment: 'production', to: 'v1.4.2', smoke: 'true', ref: 'refs/heads/main' },
};

const injections = [
  '1 --environment staging',
  '--ref HEAD~5',
  'v1.0.0 --to v0.1.0',
  'cart --strict',
  'cart,--base=x',
  '1\n--environment staging',
  'v1.0.0\nversion=v9.9.9',
  '$(touch pwned)',
  '`touch pwned`',
  'cart;touch pwned',
  "cart' --x '",
  'cart" --x "',
  '-1',
  ' v1.0.0',
  'v1.0.0 ',
  'x'.repeat(5000),
  'v01.0.0',
  'CART',
];

for (const file of dispatched) {
  describe(`${file}: inputs`, () => {
    const workflow = load(file);
    const inputsJob = workflow.jobs.inputs;
    const main = Object.values(workflow.jobs).find((job) => job.steps.some((step) => step.uses?.startsWith('dagger/dagger-for-github@')))!;
    const validate = inputsJob?.steps.find((step) => step.id === 'validate');

    it('are validated in a job of their own, with no secret, before the job that holds the secrets', () => {
      assert.ok(validate?.run, 'an inputs job with a validate step');
      assert.equal(main.needs, 'inputs');
      assert.doesNotMatch(JSON.stringify(inputsJob), /secrets\./);
      assert.doesNotMatch(JSON.stringify(main), /\$\{\{ inputs\./, 'the job with the secrets reads only validated values');
    });

    it('accepts a valid set and passes it on unchanged', () => {
      const values = valid[file]!;
      const result = runBash(validate!.run!, stepEnv(validate!, values));
      assert.equal(result.status, 0, result.stdout);
      for (const [name, value] of Object.entries(result.outputs)) assert.equal(value, values[name], name);
    });

    for (const input of Object.keys(workflow.on.workflow_dispatch!.inputs!)) {
      it(`refuses hostile values of ${input}, writing no output and running nothing`, () => {
        const numeric = workflow.on.workflow_dispatch!.inputs![input]!.type === 'number';
        for (const hostile of [...injections, ...(numeric ? ['0', '007', '1e3', '0x10'] : [])]) {
          const values = { ...valid[file]!, [input]: hostile };
          const result = runBash(validate!.run!, stepEnv(validate!, values));
          assert.notEqual(result.status, 0, `${input}=${JSON.stringify(hostile)} is refused`);
          assert.deepEqual(result.outputs, {}, `${input}=${JSON.stringify(hostile)} writes no output`);
          assert.ok(!existsSync(join(work, 'pwned')), 'no command ran');
          assert.ok(!result.stdout.includes(hostile.trim()) || hostile.trim().length < 3, 'the refusal does not echo the value');
        }
      });
    }

    it('passes each value to dagger call as exactly one argument, even a hostile one', () => {
      const step = main.steps.find((candidate) => candidate.uses?.startsWith('dagger/dagger-for-github@'))!;
      const env: Record<string, string> = {};
      for (const [name, expression] of Object.entries(step.env ?? {})) env[name] = /needs\.inputs\.outputs|steps\.release\.outputs/.test(expression) ? `${name} --environment staging $(touch pwned) "x" 'y'` : 'placeholder';
      // The exec step of dagger/dagger-for-github v8: `dagger <flags> call ${INPUT_MODULE:+-m $INPUT_MODULE} <call>`.
      const script = `dagger() { printf '%s\\0' "$@"; }\ndagger --progress plain call \${INPUT_MODULE:+-m $INPUT_MODULE} ${String(step.with?.call)}\n`;
      const result = runBash(script, { ...env, INPUT_MODULE: String(step.with?.module) });
      assert.equal(result.status, 0);
      const argv = result.stdout.split('\0').slice(0, -1);
      assert.ok(!existsSync(join(work, 'pwned')), 'no command ran');
      assert.equal(argv.filter((word) => word === '--environment').length, file === 'rollback.yml' ? 1 : 0, 'no flag was added');
      for (const [name, value] of Object.entries(env)) {
        if (!value.startsWith(name)) continue;
        assert.ok(argv.some((word) => word === value || word.endsWith(`=${value}`)), `${name} arrives as one word`);
      }
      assert.deepEqual(argv.slice(-3), ['export', '--path', '.lockstep/run']);
    });
  });
}

/** The pull request check parses gh's JSON with jq, as on GitHub's runners (scripts/ci/setup.sh installs it). */
const jqMissing = spawnSync('jq', ['--version']).status !== 0 ? 'jq is not installed (scripts/ci/setup.sh installs it)' : undefined;

describe('hotfix.yml: the pull request check', { skip: jqMissing }, () => {
  const workflow = load('hotfix.yml');
  const step = workflow.jobs.inputs!.steps.find((candidate) => candidate.id === 'pr')!;
  const reviewed = 'b'.repeat(40);
  const bin = mkdtempSync(join(work, 'bin-'));
  // A stand-in for the gh CLI that answers `gh api repos/OWNER/REPO/pulls/N` with the JSON given.
  writeFileSync(join(bin, 'gh'), '#!/bin/sh\n[ "$1" = api ] && [ "$2" = "repos/acme/orchestrator/pulls/42" ] || exit 9\nprintf %s "$FAKE_PULL_REQUEST"\n');
  chmodSync(join(bin, 'gh'), 0o755);

  const pullRequest = (change: Record<string, unknown> = {}) => ({
    state: 'open',
    base: { ref: 'main' },
    head: { ref: 'hotfix/cart-timeout', sha: reviewed, repo: { full_name: 'acme/orchestrator' } },
    ...change,
  });
  const check = (pr: object) =>
    runBash(step.run!, {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      FAKE_PULL_REQUEST: JSON.stringify(pr),
      GH_TOKEN: 'x',
      REPO: 'acme/orchestrator',
      PULL_REQUEST: '42',
      HEAD_SHA: reviewed,
    });

  it('passes this repository’s open pull request into main at the reviewed commit', () => {
    const result = check(pullRequest());
    assert.equal(result.status, 0, result.stdout);
    assert.deepEqual(result.outputs, { branch: 'hotfix/cart-timeout' });
  });

  const refusals: Array<[string, object, RegExp]> = [
    ['from a fork', pullRequest({ head: { ref: 'hotfix/x', sha: reviewed, repo: { full_name: 'mallory/orchestrator' } } }), /another repository/],
    ['from a deleted fork', pullRequest({ head: { ref: 'hotfix/x', sha: reviewed, repo: null } }), /another repository/],
    ['whose head moved after the review', pullRequest({ head: { ref: 'hotfix/x', sha: 'c'.repeat(40), repo: { full_name: 'acme/orchestrator' } } }), /moved after/],
    ['into another branch', pullRequest({ base: { ref: 'staging' } }), /does not target main/],
    ['closed', pullRequest({ state: 'closed' }), /is not open/],
    ['with a branch name that is a flag', pullRequest({ head: { ref: '--environment', sha: reviewed, repo: { full_name: 'acme/orchestrator' } } }), /branch name/],
    ['with a branch name holding a newline', pullRequest({ head: { ref: 'x\nbranch=main', sha: reviewed, repo: { full_name: 'acme/orchestrator' } } }), /branch name/],
  ];
  for (const [what, pr, message] of refusals) {
    it(`refuses a pull request ${what}`, () => {
      const result = check(pr);
      assert.notEqual(result.status, 0);
      assert.match(result.stdout, message);
      assert.deepEqual(result.outputs, {});
    });
  }
});

describe('rollback.yml: each environment from its own branch', () => {
  const workflow = load('rollback.yml');
  const validate = workflow.jobs.inputs!.steps.find((step) => step.id === 'validate')!;
  const attempt = (environment: string, ref: string) => runBash(validate.run!, stepEnv(validate, { environment, ref, to: '', smoke: 'false' }));

  it('runs staging from staging and production from main, the branches their environments admit', () => {
    assert.deepEqual(attempt('staging', 'refs/heads/staging').outputs, { environment: 'staging', to: '', smoke: 'false' });
    assert.deepEqual(attempt('production', 'refs/heads/main').outputs, { environment: 'production', to: '', smoke: 'false' });
  });

  it('refuses any other pairing before a job with secrets starts', () => {
    for (const [environment, ref] of [['staging', 'refs/heads/main'], ['production', 'refs/heads/staging'], ['production', 'refs/heads/dev'], ['production', 'refs/tags/v1.0.0']]) {
      const result = attempt(environment!, ref!);
      assert.notEqual(result.status, 0, `${environment} from ${ref}`);
      assert.deepEqual(result.outputs, {});
    }
  });

  it('reads the release archive from main whichever branch it runs on', () => {
    const rollback = workflow.jobs.rollback!;
    const checkout = rollback.steps.find((step) => step.uses?.startsWith('actions/checkout@'))!;
    assert.equal(checkout.with?.ref, 'main');
    assert.equal(rollback.environment, '${{ needs.inputs.outputs.environment }}', 'a production rollback waits for the production environment’s reviewers');
  });
});
