import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Environment } from '../compose/interpolate.js';
import type { LockstepConfig } from '../config/schema.js';
import { DockerApi } from '../docker/api.js';
import { resolveDockerHost } from '../docker/host.js';
import { LockstepError } from '../errors.js';
import { writeAtomic } from '../io/writeAtomic.js';
import { stackAddresses } from '../stack/addresses.js';
import { openStack } from '../stack/context.js';
import { renderJunit } from '../stack/junit.js';
import { suiteNetwork } from '../stack/project.js';
import { runSuite } from '../stack/runSuite.js';
import { suiteInvocation } from '../stack/suiteInvocation.js';
import { judgeSuite, type SuiteResult } from '../stack/suiteResult.js';
import type { PlannedSuite } from '../stack/plan.js';
import { planSuites, resolveSuite, selectSuites } from '../stack/suites.js';
import { renderSummaryMarkdown } from '../stack/summary.js';

export interface StackTestInput {
  configFile: string;
  config: LockstepConfig;
  project: string;
  /** Suite names to run (`--suite`); all configured suites when absent. */
  suites?: string[];
  /** Where JUnit XML, raw output and summary.md go. */
  reportDir: string;
  env?: Environment;
}

export interface StackTestDeps {
  progress: (message: string) => void;
  signal?: AbortSignal;
}

export interface StackTestResult {
  project: string;
  ok: boolean;
  reportDir: string;
  summaryFile: string;
  suites: SuiteResult[];
}

/**
 * `lockstep stack test`: each selected suite in a container on the running stack's network, with the
 * stack's addresses as environment variables, one after the other. Every suite runs even when an
 * earlier one failed; the report folder gets `<suite>.xml` (JUnit), `<suite>.log` (its output) and
 * summary.md. The caller turns `ok: false` into the TESTS_FAILED exit.
 */
export async function stackTest(input: StackTestInput, deps: StackTestDeps): Promise<StackTestResult> {
  const env = input.env ?? process.env;
  const stack = await openStack(input.configFile, input.config, input.project, env);
  const suites = selectSuites(planSuites(input.config.stack.suites, env), input.suites, input.configFile);
  const network = suiteNetwork(input.project, stack.graph);
  const api = new DockerApi(resolveDockerHost(undefined, { ...process.env, ...input.env }));
  const probe = await api.json(`/networks/${encodeURIComponent(network)}`, { ok: [200, 404] });
  if (probe.status !== 200) {
    throw new LockstepError('NOT_FOUND', `stack test: no stack runs as project ${input.project} (network ${network} does not exist)`, {
      hint: `start it first: lockstep stack up --lock <file> --project ${input.project}`,
    });
  }
  return runSuites({ project: input.project, suites, configDir: stack.configDir, addresses: stackAddresses(stack.graph), network, reportDir: input.reportDir }, deps);
}

export interface RunSuitesInput {
  /** Names the suite containers and labels them, so `stack down` finds them. */
  project: string;
  suites: PlannedSuite[];
  configDir: string;
  /** The `<NAME>_HOST`, `<NAME>_PORT`, `<NAME>_URL` variables the suites reach the services by. */
  addresses: Record<string, string>;
  /** The Docker network the suite containers join. */
  network: string;
  reportDir: string;
  /** The Docker engine the suite containers run in, when not the one DOCKER_HOST names. */
  dockerHost?: string;
}

/**
 * Each suite in a container, one after the other, every one even when an earlier one failed: the
 * report folder gets `<suite>.xml` (JUnit), `<suite>.log` and summary.md. The stack stage and E2E
 * against any environment run their suites through here.
 */
export async function runSuites(input: RunSuitesInput, deps: StackTestDeps): Promise<StackTestResult> {
  await mkdir(input.reportDir, { recursive: true });
  const runId = randomBytes(3).toString('hex');
  const results: SuiteResult[] = [];
  for (const planned of input.suites) {
    const suite = resolveSuite(planned, input.configDir);
    deps.progress(`stack test: ${suite.name}: ${suite.command.join(' ')} (in ${suite.image})`);
    const outcome = await runSuite(suite.name, suiteInvocation(input.project, suite, input.addresses, runId, input.network), {
      timeoutMs: suite.timeoutMs,
      signal: deps.signal,
      ...(input.dockerHost ? { dockerHost: input.dockerHost } : {}),
    });
    const result = judgeSuite(outcome);
    results.push(result);
    await writeAtomic(join(input.reportDir, `${suite.name}.xml`), renderJunit(result));
    await writeAtomic(join(input.reportDir, `${suite.name}.log`), `${outcome.stdout}${outcome.stderr ? `\n--- stderr ---\n${outcome.stderr}` : ''}`);
    deps.progress(
      `stack test: ${suite.name}: ${result.ok ? 'passed' : 'FAILED'} (${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped, ${(result.durationMs / 1000).toFixed(1)} s)`,
    );
  }
  const summaryFile = join(input.reportDir, 'summary.md');
  await writeAtomic(summaryFile, renderSummaryMarkdown(input.project, results));
  return { project: input.project, ok: results.every((result) => result.ok), reportDir: input.reportDir, summaryFile, suites: results };
}
