// `lockstep health|deploy|status|e2e|smoke|rollback --env E`: everything that acts on one environment.
import type { Command } from 'commander';
import { recordArtifacts, recordOutputs, recordTests } from '../stageResult.js';
import { readJunitDir } from '../../report/readJunit.js';
import { emit, progress, type OutputOptions } from '../output.js';
import type { LockstepConfig } from '../../config/schema.js';
import type { stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { parseReleaseVersion } from '../../environments/releases/version.js';
import { defaultReportDir, stageReportDir } from '../../defaults.js';
import { InputError, LockstepError } from '../../errors.js';
import { appendFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { openEnvironment, environmentConfig } from '../../environments/openEnvironment.js';
import { runHealthGate } from '../../stages/health.js';
import { renderHealthMarkdown, renderHealthText } from '../../environments/health/renderHealth.js';
import { readLock } from '../../lock/read.js';
import { deployLock } from '../../stages/deploy.js';
import { loadConfig } from '../../config/load.js';
import { checkLockMatchesConfig } from '../../lock/matchConfig.js';
import { readStatus, renderStatusText } from '../../stages/status.js';
import { runE2e } from '../../stages/e2e.js';
import { renderSummaryText } from '../../stack/summary.js';
import { runSmoke, renderSmokeMarkdown, renderSmokeText } from '../../stages/smoke.js';
import { rollback } from '../../stages/rollback.js';
import { configuredReleasesDir } from '../../environments/releases/archive.js';
import { connectGitHub } from '../heavyAdapters.js';
import { detectCompose } from '../../compose/composeCommand.js';
import { listPublishedReleases, readReleasedLockByTag } from '../../github/releasedLock.js';
import { defaultHolder } from '../../environments/lease/decideLease.js';
import { createRegistryClient } from '../../registry/client.js';
import { describeRetry, registryClientOptions } from '../../registry/fromConfig.js';

interface GlobalOptions extends OutputOptions {
  config: string;
}

export async function healthAction(options: OptionsOf<typeof stages.health>, command: Command): Promise<void> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const summaryFile = await markdownSummaryFile(options.markdownSummary);
  const env = await openEnvironment(global.config, options.env);
  const report = await runHealthGate({ environment: env.name, target: env.target, health: env.config.health });
  emit(global, report, () => renderHealthText(report));
  if (summaryFile) await appendSummary(summaryFile, renderHealthMarkdown(report));
  if (!report.healthy) {
    const failed = report.checks.filter((check) => !check.ok).map((check) => check.name);
    throw new LockstepError('UNHEALTHY', `${env.name} is unhealthy (${failed.join(', ')})`);
  }
}

export async function deployAction(options: OptionsOf<typeof stages.deploy>, command: Command): Promise<void> {
  warmUpCompose();
  const global = command.optsWithGlobals<GlobalOptions>();
  const lock = await readLock(options.lock);
  checkLockMatchesConfig(options.lock, lock, global.config, Object.keys((await loadConfig(global.config)).services));
  const context = await deployContext(global.config, options.env, options.holder);
  try {
    const result = await deployLock({ ...context, lock });
    // A pipeline's rollback after failed smoke tests returns to exactly this lock.
    recordOutputs({ previousLock: result.previousIntegrity ?? '' });
    emit(global, result, () => renderDeployed(result));
  } finally {
    context.registry.close();
  }
}

export async function statusAction(options: OptionsOf<typeof stages.status>, command: Command): Promise<void> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const env = await openEnvironment(global.config, options.env);
  const status = await readStatus(env.name, env.target);
  emit(global, status, () => renderStatusText(status));
  if (options.check && !status.inSync) {
    const what = status.lockId === null ? 'records no lock' : `drifted from lock ${status.lockId}: ${status.drifted.join(', ')}`;
    throw new LockstepError('DRIFT', `${env.name} ${what}`);
  }
}

export async function e2eAction(options: OptionsOf<typeof stages.e2e>, command: Command): Promise<void> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const lockstep = await loadConfig(global.config);
  const config = environmentConfig(lockstep, global.config, options.env);
  const reportDir = options.reportDir ?? stageReportDir(defaultReportDir, options.env, 'e2e');
  const result = await runE2e({ environment: options.env, config, lockstep, configFile: global.config, reportDir, progress });
  recordTests(await readJunitDir(reportDir, options.env));
  recordArtifacts(result.summaryFile);
  emit(global, result, () => `${renderSummaryText(result.suites)}

report: ${result.summaryFile}`);
  if (!result.ok) {
    const failed = result.suites.filter((suite) => !suite.ok).map((suite) => suite.suite);
    throw new LockstepError('TESTS_FAILED', `e2e suites failed against ${options.env}: ${failed.join(', ')}`);
  }
}

export async function smokeAction(options: OptionsOf<typeof stages.smoke>, command: Command): Promise<void> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const summaryFile = await markdownSummaryFile(options.markdownSummary);
  const config = environmentConfig(await loadConfig(global.config), global.config, options.env);
  if (!config.smoke) throw new InputError(global.config, `environments.${options.env}.smoke`, 'is not configured: no probes to run');
  const reportDir = options.reportDir ?? stageReportDir(defaultReportDir, options.env, 'smoke');
  const result = await runSmoke({ environment: options.env, smoke: config.smoke, reportDir, progress });
  recordTests(await readJunitDir(reportDir, options.env));
  recordArtifacts(result.markdownFile);
  emit(global, result, () => renderSmokeText(result));
  if (summaryFile) await appendSummary(summaryFile, renderSmokeMarkdown(options.env, result.probes));
  if (!result.ok) {
    throw new LockstepError('TESTS_FAILED', `smoke tests of ${options.env} failed`, {
      details: result.probes.filter((probe) => !probe.ok).map((probe) => `${probe.name}: ${probe.verdict.detail}`),
    });
  }
}

export async function rollbackAction(options: OptionsOf<typeof stages.rollback>, command: Command): Promise<void> {
  warmUpCompose();
  const global = command.optsWithGlobals<GlobalOptions>();
  if (options.to !== undefined) {
    if (!parseReleaseVersion(options.to)) throw new InputError('--to', undefined, `"${options.to}" is not a release version such as v1.4.2`);
    if (options.toLock !== undefined) throw new InputError('--to-lock', undefined, 'names a release as --to does: give one of them');
  }
  if (options.toLock !== undefined && options.toLock !== '' && !/^sha256:[0-9a-f]{64}$/.test(options.toLock)) {
    throw new InputError('--to-lock', undefined, 'must be a lock integrity (sha256:<64 hex>), or empty when nothing ran before');
  }
  const context = await deployContext(global.config, options.env, options.holder);
  try {
    const releasesDir = options.releasesDir ?? configuredReleasesDir(context.lockstep, global.config);
    const fromGitHub = process.env[options.tokenEnv] ? await releasesOnGitHub(context.lockstep.github, global.config, options.tokenEnv) : undefined;
    const result = await rollback({ ...context, releasesDir, to: options.to, toLock: options.toLock, ...fromGitHub });
    emit(global, result, () => `${renderDeployed(result.deploy)}rolled back from ${result.from.version ?? result.from.integrity ?? 'nothing'} to ${result.to.version}\n`);
  } finally {
    context.registry.close();
  }
}

/**
 * Finding compose takes seconds when it is the v1 Python program; its result is cached per process.
 * Starting it first lets it run while the config, the lock and the registry are read, instead of
 * delaying the rollout. (For a kubernetes environment it is one wasted background probe.)
 */
function warmUpCompose(): void {
  detectCompose().catch(() => undefined);
}

/** The releases on GitHub: the lock one carries (asset, else the archived file at its tag), and all of them with their locks. */
async function releasesOnGitHub(config: LockstepConfig['github'], configFile: string, tokenEnv: string) {
  const github = await connectGitHub({ tokenEnv, config, configFile, onNotice: progress });
  return {
    releasedLock: (tag: string) => readReleasedLockByTag(github, tag, config.releaseArchiveDir),
    publishedReleases: () => listPublishedReleases(github, config.releaseArchiveDir, (tag, problem) => progress(`warning: release ${tag} on GitHub: ${problem}`)),
  };
}

async function deployContext(configFile: string, environment: string, holder: string | undefined) {
  const env = await openEnvironment(configFile, environment);
  const images = Object.values(env.lockstep.services).map((service) => service.image);
  const registry = createRegistryClient(registryClientOptions(env.lockstep.registry, (event) => progress(describeRetry(event)), images));
  return {
    lockstep: env.lockstep,
    environment: env.name,
    config: env.config,
    target: env.target,
    registry,
    holder: holder ?? defaultHolder(process.env, userInfo().username, hostname(), process.pid),
    configFile,
    progress,
  };
}

function renderDeployed(result: {
  environment: string;
  lockId: string;
  outcome: 'deployed' | 'proposed';
  proposal: { where: string } | null;
  controller?: { name: string; detail: string } | null;
  services: Array<{ service: string; image: string }>;
  durationMs: number;
}): string {
  if (result.outcome === 'proposed') return `⧗ lock ${result.lockId} proposed for ${result.environment} in ${result.proposal?.where ?? 'a pull request'}; it deploys when merged\n`;
  const width = Math.max(...result.services.map((entry) => entry.service.length));
  const lines = result.services.map((entry) => `  ${entry.service.padEnd(width)}  ${entry.image}`);
  const controller = result.controller ? `  ${result.controller.name}: ${result.controller.detail}\n` : '';
  return `✔ ${result.environment} runs lock ${result.lockId} (${(result.durationMs / 1000).toFixed(1)} s)\n${lines.join('\n')}\n${controller}`;
}

async function markdownSummaryFile(option: string | true | undefined): Promise<string | null> {
  if (option === undefined) return null;
  if (typeof option === 'string') return option;
  const fromEnv = process.env.GITHUB_STEP_SUMMARY;
  if (!fromEnv) {
    throw new InputError('--markdown-summary', undefined, 'needs a file when GITHUB_STEP_SUMMARY is not set');
  }
  return fromEnv;
}

async function appendSummary(file: string, markdown: string): Promise<void> {
  await appendFile(file, `${markdown}\n`);
}
