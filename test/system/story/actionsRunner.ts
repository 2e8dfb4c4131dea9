import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { defaultModuleRef, pinModule, readWorkflowTemplates } from '../../../src/init/templates.js';
import type { CallOutcome } from './daggerModule.js';
import { collectProcess } from '../../support/collectProcess.js';

/**
 * Just enough of GitHub Actions to run lockstep's workflow templates as `lockstep init` writes them:
 * picks the one workflow an event starts, evaluates its expressions (contexts, `==`, `||`), runs its
 * jobs in order, each `run:` step with bash as the runner does (the GitHub CLI played by gh.mjs against
 * the GitHub double), and hands the one `dagger call` step's words to the caller. An expression, action
 * or construct it does not know fails the run, so a workflow that changes shape fails the test instead
 * of being half-run.
 */

type Step = { id?: string; name?: string; uses?: string; run?: string; shell?: string; if?: string; env?: Record<string, string>; with?: Record<string, unknown> };
type Job = { needs?: string | string[]; if?: string; environment?: string; outputs?: Record<string, string>; steps: Step[] };
type On = Record<string, { branches?: string[]; types?: string[]; inputs?: Record<string, { required?: boolean; default?: unknown; type?: string }> } | null>;
export interface Workflow {
  file: string;
  name: string;
  on: On;
  jobs: Record<string, Job>;
}

export type WorkflowEvent =
  | { name: 'pull_request'; action: 'opened' | 'synchronize' | 'reopened'; number: number; base: string; head: string; headSha: string }
  | { name: 'push'; branch: string; sha: string }
  | { name: 'workflow_dispatch'; branch: string; sha: string; inputs: Record<string, string> };

export interface StepRecord {
  job: string;
  step: string;
  outcome: 'success' | 'failure' | 'skipped';
  log: string;
}

export interface WorkflowRun {
  workflow: string;
  conclusion: 'success' | 'failure';
  steps: StepRecord[];
  /** What the `dagger call` step reached. */
  dagger?: { words: string[]; outcome: CallOutcome; checkout: string };
  /** The job environments the run entered (production, staging). */
  environments: string[];
}

export interface RunnerHooks {
  repository: string;
  apiUrl: string;
  serverUrl: string;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  /** The App's installation token (actions/create-github-app-token). */
  appToken: string;
  /** The repository's GITHUB_TOKEN for the run. */
  runToken: string;
  /** actions/checkout: a fresh checkout of `ref` (a commit or a branch of GitHub's repository). */
  checkout(ref: string): Promise<string>;
  /** dagger/dagger-for-github: the words after `dagger call`, the step's environment, the working directory. */
  dagger(words: string[], env: Record<string, string>, cwd: string): Promise<CallOutcome>;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** The workflows as `lockstep init` writes them: the templates, pinned to this version's module. */
export async function loadWorkflows(): Promise<Workflow[]> {
  const { version } = JSON.parse(await readFile(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version: string };
  return (await readWorkflowTemplates()).map((written) => {
    const template = pinModule(written, defaultModuleRef(version));
    const doc = parse(template.text) as { name: string; on: On; jobs: Record<string, Job> };
    return { file: template.name, name: doc.name, on: doc.on, jobs: doc.jobs };
  });
}

/** The one workflow the event starts; none or several fail. */
export function workflowFor(workflows: Workflow[], event: WorkflowEvent): Workflow {
  const started = workflows.filter((workflow) => {
    if (!(event.name in workflow.on)) return false;
    const trigger = workflow.on[event.name] ?? {};
    if (event.name === 'pull_request') return (!trigger.branches || trigger.branches.includes(event.base)) && (!trigger.types || trigger.types.includes(event.action));
    if (event.name === 'push') return !trigger.branches || trigger.branches.includes(event.branch);
    // A dispatch names its workflow by the inputs it gives: the one declaring exactly those, every required one given.
    const declared = trigger.inputs ?? {};
    const given = Object.keys(event.inputs);
    return given.length === Object.keys(declared).length && given.every((name) => name in declared) && Object.entries(declared).every(([name, input]) => !input.required || name in event.inputs);
  });
  if (started.length !== 1) throw new Error(`${event.name}: ${started.length} workflows start (${started.map((workflow) => workflow.file).join(', ') || 'none'}), not exactly one`);
  return started[0]!;
}

interface Contexts {
  github: Record<string, unknown>;
  /** Variables earlier steps exported (GITHUB_ENV). */
  env: Record<string, string>;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  needs: Record<string, { outputs: Record<string, string> }>;
  steps: Record<string, { outputs: Record<string, string> }>;
}

/** Evaluates one expression: context paths, 'literals', ==, !=, ||, &&, always(), success(), failure(). */
export function evaluate(expression: string, contexts: Contexts, status: { failed: boolean } = { failed: false }): unknown {
  const text = expression.trim();
  const split = (operator: string) => {
    let quoted = false;
    for (let index = 0; index < text.length; index += 1) {
      if (text[index] === "'") quoted = !quoted;
      else if (!quoted && text.startsWith(operator, index)) return [text.slice(0, index), text.slice(index + operator.length)] as const;
    }
    return undefined;
  };
  const or = split('||');
  if (or) return evaluate(or[0], contexts, status) || evaluate(or[1], contexts, status);
  const and = split('&&');
  if (and) return evaluate(and[0], contexts, status) && evaluate(and[1], contexts, status);
  const equal = split('==');
  if (equal) return String(evaluate(equal[0], contexts, status) ?? '') === String(evaluate(equal[1], contexts, status) ?? '');
  const unequal = split('!=');
  if (unequal) return String(evaluate(unequal[0], contexts, status) ?? '') !== String(evaluate(unequal[1], contexts, status) ?? '');
  if (/^'.*'$/s.test(text)) return text.slice(1, -1).replace(/''/g, "'");
  if (text === 'always()') return true;
  if (text === 'success()') return !status.failed;
  if (text === 'failure()') return status.failed;
  if (/^(true|false)$/.test(text)) return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  const path = /^(github|env|inputs|secrets|vars|needs|steps)((?:\.[A-Za-z_][\w-]*)+)$/.exec(text);
  if (!path) throw new Error(`expression not understood by the story's runner: ${text}`);
  let value: unknown = contexts[path[1] as keyof Contexts];
  for (const key of path[2]!.slice(1).split('.')) value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[key];
  return value;
}

/** A string with its `${{ }}` expressions replaced, as Actions renders them. */
export function render(text: string, contexts: Contexts, status?: { failed: boolean }): string {
  return text.replace(/\$\{\{(.*?)\}\}/gs, (_all, expression: string) => {
    const value = evaluate(expression, contexts, status);
    return value === undefined || value === null ? '' : String(value);
  });
}

const condition = (text: string | undefined, contexts: Contexts, status: { failed: boolean }) => {
  if (text === undefined) return !status.failed;
  const bare = text.replace(/^\$\{\{(.*)\}\}$/s, '$1');
  const value = evaluate(bare, contexts, status);
  // Like Actions: a condition without a status function means success() && condition.
  return /\b(always|failure|success)\(\)/.test(bare) ? Boolean(value) : !status.failed && Boolean(value);
};

/** Runs the workflow the event starts, as GitHub would, with the runner's hooks for checkout, the App token and dagger. */
export async function runWorkflow(workflow: Workflow, event: WorkflowEvent, hooks: RunnerHooks, runNumber: number): Promise<WorkflowRun> {
  const dispatchInputs = event.name === 'workflow_dispatch' ? event.inputs : {};
  const declared = event.name === 'workflow_dispatch' ? (workflow.on.workflow_dispatch?.inputs ?? {}) : {};
  const inputs: Record<string, unknown> = Object.fromEntries(Object.entries(declared).map(([name, input]) => [name, dispatchInputs[name] ?? (input.default === undefined ? '' : input.default)]));
  const sha = event.name === 'pull_request' ? `refs/pull/${event.number}/merge` : event.sha;
  const ref = event.name === 'pull_request' ? `refs/pull/${event.number}/merge` : `refs/heads/${event.branch}`;
  const github: Record<string, unknown> = {
    repository: hooks.repository,
    sha,
    ref,
    head_ref: event.name === 'pull_request' ? event.head : '',
    event_name: event.name,
    event: event.name === 'pull_request' ? { pull_request: { number: event.number, head: { sha: event.headSha, ref: event.head, repo: { full_name: hooks.repository } }, base: { ref: event.base } } } : { inputs },
    token: hooks.runToken,
    server_url: hooks.serverUrl,
    api_url: hooks.apiUrl,
    run_id: 9_000_000 + runNumber,
    run_number: runNumber,
    run_attempt: 1,
  };
  const run: WorkflowRun = { workflow: workflow.file, conclusion: 'success', steps: [], environments: [] };
  const needs: Contexts['needs'] = {};
  const bin = await ghStandIn();
  for (const [jobName, job] of orderJobs(workflow.jobs)) {
    const contexts: Contexts = { github, env: {}, inputs, secrets: hooks.secrets, vars: hooks.vars, needs, steps: {} };
    const status = { failed: run.conclusion === 'failure' };
    if (!condition(job.if, contexts, status)) {
      run.steps.push({ job: jobName, step: '(job)', outcome: 'skipped', log: `if: ${job.if ?? 'success()'} is false` });
      needs[jobName] = { outputs: {} };
      continue;
    }
    if (job.environment) run.environments.push(render(job.environment, contexts));
    const jobStatus = { failed: false };
    let workspace = await mkdtemp(join(tmpdir(), 'lockstep-story-runner-'));
    for (const step of job.steps) {
      const label = step.name ?? step.uses ?? step.id ?? '(step)';
      if (!condition(step.if, contexts, jobStatus)) {
        run.steps.push({ job: jobName, step: label, outcome: 'skipped', log: '' });
        continue;
      }
      const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([name, value]) => [name, render(String(value), contexts)]));
      const withs = Object.fromEntries(Object.entries(step.with ?? {}).map(([name, value]) => [name, typeof value === 'string' ? render(value, contexts) : value]));
      const outputs: Record<string, string> = {};
      let outcome: StepRecord['outcome'] = 'success';
      let log = '';
      try {
        if (step.uses?.startsWith('actions/checkout@')) {
          workspace = await hooks.checkout(String(withs.ref ?? github.sha));
          log = `checked out ${String(withs.ref ?? github.sha)}`;
        } else if (step.uses?.startsWith('actions/create-github-app-token@')) {
          outputs.token = hooks.appToken;
        } else if (step.uses?.startsWith('actions/upload-artifact@')) {
          log = `artifact ${String(withs.name)}: ${String(withs.path)}`;
        } else if (step.uses?.startsWith('dagger/dagger-for-github@')) {
          // The action's exec line: `dagger --progress plain call ${INPUT_MODULE:+-m $INPUT_MODULE} <call>`, by bash.
          const argv = await bashWords(`dagger --progress plain call \${INPUT_MODULE:+-m $INPUT_MODULE} ${String(withs.call)}`, { ...env, INPUT_MODULE: String(withs.module ?? '') }, workspace);
          const words = argv.slice(argv.indexOf('call') + 1);
          const call = words[0] === '-m' ? words.slice(2) : words;
          const outcomeOfCall = await hooks.dagger(call, env, workspace);
          run.dagger = { words: call, outcome: outcomeOfCall, checkout: workspace };
          if (outcomeOfCall.error) throw new Error(outcomeOfCall.error);
          log = `dagger call ${call.join(' ')}`;
        } else if (step.run !== undefined) {
          if (step.shell !== undefined && step.shell !== 'bash') throw new Error(`shell ${step.shell} is not run here`);
          const result = await bashStep(render(step.run, contexts), { ...runnerEnv(github, hooks, workspace), ...contexts.env, ...env, PATH: `${bin}:${process.env.PATH ?? ''}` }, workspace);
          Object.assign(outputs, result.outputs);
          Object.assign(contexts.env, result.exported);
          log = result.log;
          if (result.status !== 0) throw new Error(`exit ${result.status}`);
        } else {
          throw new Error(`the story's runner does not run ${step.uses ?? 'this step'}`);
        }
      } catch (error) {
        outcome = 'failure';
        log = `${log}\n${(error as Error).message}`.trim();
        jobStatus.failed = true;
      }
      if (step.id) contexts.steps[step.id] = { outputs };
      run.steps.push({ job: jobName, step: label, outcome, log });
    }
    needs[jobName] = { outputs: Object.fromEntries(Object.entries(job.outputs ?? {}).map(([name, value]) => [name, render(value, contexts)])) };
    if (jobStatus.failed) run.conclusion = 'failure';
  }
  return run;
}

function orderJobs(jobs: Record<string, Job>): Array<[string, Job]> {
  const ordered: Array<[string, Job]> = [];
  const done = new Set<string>();
  const visit = (name: string) => {
    if (done.has(name)) return;
    const needs = jobs[name]!.needs;
    for (const need of needs === undefined ? [] : Array.isArray(needs) ? needs : [needs]) visit(need);
    done.add(name);
    ordered.push([name, jobs[name]!]);
  };
  for (const name of Object.keys(jobs)) visit(name);
  return ordered;
}

function runnerEnv(github: Record<string, unknown>, hooks: RunnerHooks, workspace: string): Record<string, string> {
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: hooks.repository,
    GITHUB_SHA: String(github.sha),
    GITHUB_REF: String(github.ref),
    GITHUB_API_URL: hooks.apiUrl,
    GITHUB_SERVER_URL: hooks.serverUrl,
    GITHUB_WORKSPACE: workspace,
    HOME: process.env.HOME ?? '/tmp',
  };
}

async function ghStandIn(): Promise<string> {
  const bin = await mkdtemp(join(tmpdir(), 'lockstep-story-bin-'));
  await writeFile(join(bin, 'gh'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(here, 'gh.mjs'))} "$@"\n`);
  await chmod(join(bin, 'gh'), 0o755);
  return bin;
}

/** Runs a `shell: bash` step as the runner does (`bash --noprofile --norc -eo pipefail {0}`), with GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. */
async function bashStep(script: string, env: Record<string, string>, cwd: string): Promise<{ status: number | null; outputs: Record<string, string>; exported: Record<string, string>; log: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-story-step-'));
  await mkdir(dir, { recursive: true });
  const [file, output, exports, summary] = ['step.sh', 'output', 'env', 'summary'].map((name) => join(dir, name)) as [string, string, string, string];
  await writeFile(file, script);
  for (const empty of [output, exports, summary]) await writeFile(empty, '');
  const result = await collectProcess('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], { env: { ...env, GITHUB_OUTPUT: output, GITHUB_ENV: exports, GITHUB_STEP_SUMMARY: summary }, cwd });
  const pairs = async (from: string) => {
    const found: Record<string, string> = {};
    for (const line of (await readFile(from, 'utf8')).split('\n').filter(Boolean)) {
      if (line.includes('<<')) throw new Error(`multi-line ${from} values are not read here: ${line}`);
      const at = line.indexOf('=');
      found[line.slice(0, at)] = line.slice(at + 1);
    }
    return found;
  };
  return { status: result.status, outputs: await pairs(output), exported: await pairs(exports), log: `${result.stdout}${result.stderr}` };
}

/** The words bash passes to `dagger` for a line, without running dagger. */
async function bashWords(line: string, env: Record<string, string>, cwd: string): Promise<string[]> {
  const result = await collectProcess('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', `dagger() { printf '%s\\0' "$@"; }\n${line}`], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, cwd });
  if (result.status !== 0) throw new Error(`the dagger step's line did not run: ${result.stderr}`);
  return result.stdout.split('\0').slice(0, -1);
}
