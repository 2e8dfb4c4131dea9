import { defaultRef, defaultReportDir, defaultRequiredApprovals, defaultTokenEnv, productionBranch, productionEnvironment, stagingEnvironment } from '../../defaults.js';
import { branchName, commaList, envVarName, fullCommit, positiveInt } from '../parse.js';
import type { CommandSpec } from './spec.js';

/** `lockstep run <pipeline>`: the composites the workflows run, each a sequence of lockstep commands. */
const composite = {
  reportDir: { flags: '--report-dir <dir>', help: 'where run.json, index.html and the stage reports go', default: defaultReportDir },
  offline: { flags: '--offline', help: 'no GitHub: render comments and pull-request bodies to files, skip the approval gate and the GitHub release, visibly' },
  tokenEnv: { flags: '--token-env <name>', help: 'the environment variable holding the GitHub token (offline when it is unset)', parse: envVarName, default: defaultTokenEnv },
  currentLock: { flags: '--current-lock <file>', help: 'the lock committed on the target branch, for diffs' },
} as const;

const suite = { flags: '--suite <names>', help: 'comma-separated stack suites to run (default: all configured)', parse: commaList } as const;
const ref = { flags: '--ref <ref>', help: 'the orchestrator ref to lock', default: defaultRef } as const;
const releasesDir = { flags: '--releases-dir <dir>', help: "the release archive (default: the config's github.releaseArchiveDir)" } as const;

export const runPrCheck = {
  group: 'run',
  name: 'pr-check',
  description: 'dev -> staging pull request: lock generate, stack up, stack test, stack down, the sticky lock comment, the lock commit.',
  flags: {
    ...composite,
    ref,
    pr: { flags: '--pr <number>', help: 'the pull request number', parse: positiveInt, dagger: 'pullRequest' },
    branch: { flags: '--branch <name>', help: "the pull request's head branch; with GitHub, the lock is committed to it", parse: branchName },
    project: { flags: '--project <name>', help: 'the compose project of the pull-request stack', default: 'lockstep-pr' },
    suite,
  },
} as const satisfies CommandSpec;

export const runStackTest = {
  group: 'run',
  name: 'stack-test',
  description: "The whole stack from compose with a lock's images: stack up, stack test, stack down.",
  flags: {
    ...composite,
    lock: { flags: '--lock <file>', help: 'the lock whose images the stack runs', required: true, dagger: 'lockFile' },
    project: { flags: '--project <name>', help: 'the compose project of the stack', default: 'lockstep-stack' },
    suite: { ...suite, help: 'comma-separated suites to run (default: all configured)' },
  },
} as const satisfies CommandSpec;

export const runPromoteStaging = {
  group: 'run',
  name: 'promote-staging',
  description: 'After the merge into staging: health, deploy the lock, E2E, open the staging -> main pull request.',
  flags: {
    ...composite,
    lock: { flags: '--lock <file>', help: 'the lock to promote', required: true, dagger: 'lockFile' },
    env: { flags: '--env <name>', help: 'the staging environment', default: stagingEnvironment, dagger: 'environment' },
    runUrl: { flags: '--run-url <url>', help: 'a link to this run, for the promotion pull request' },
  },
} as const satisfies CommandSpec;

export const runPromoteProduction = {
  group: 'run',
  name: 'promote-production',
  description:
    'After the merge into main: resolve the release (nothing to do when no service changed), approval gate, health, deploy, smoke, archive, commit and publish the release; back to the release that ran before when smoke fails.',
  flags: {
    ...composite,
    lock: { flags: '--lock <file>', help: 'the lock on main', required: true, dagger: 'lockFile' },
    version: { flags: '--version <version>', help: 'the release version, vX.Y.Z (default: the next one the lock calls for)' },
    pr: { flags: '--pr <number>', help: 'the merged pull request, for the approval gate (default: the one GitHub says merged the commit)', parse: positiveInt, dagger: 'pullRequest' },
    required: { flags: '--required <count>', help: 'approvals required', parse: positiveInt, default: defaultRequiredApprovals },
    env: { flags: '--env <name>', help: 'the production environment', default: productionEnvironment, dagger: 'environment' },
    releasesDir,
    previousRelease: { flags: '--previous-release <file>', help: 'the previous release lock, for the release diff' },
    commit: { flags: '--commit <sha>', help: 'the commit being released, which the tag points at (default: HEAD of this checkout)', parse: fullCommit },
    branch: { flags: '--branch <name>', help: 'the production branch', parse: branchName, default: productionBranch },
  },
} as const satisfies CommandSpec;

export const runRollback = {
  group: 'run',
  name: 'rollback',
  description: 'Return an environment to the previous (or named) release through the deploy path, then smoke-test it.',
  flags: {
    ...composite,
    env: { flags: '--env <name>', help: 'the environment', required: true, dagger: 'environment' },
    to: { flags: '--to <version>', help: 'the archived release to return to' },
    toLock: { flags: '--to-lock <integrity>', help: 'the archived release with this lock integrity (what ran before a deploy)' },
    releasesDir,
    smoke: { flags: '--no-smoke', help: 'skip the smoke probes after the rollback' },
  },
} as const satisfies CommandSpec;

export const runHotfix = {
  group: 'run',
  name: 'hotfix',
  description: 'A hotfix: the base lock with only the named services re-resolved, checked on the whole stack, then commented.',
  flags: {
    ...composite,
    base: { flags: '--base <lock>', help: 'the lock in production', required: true },
    only: { flags: '--only <services>', help: 'the services to re-resolve, comma-separated', parse: commaList, required: true, dagger: 'services' },
    ref: { ...ref, help: 'the orchestrator ref holding the fixed services' },
    pr: { flags: '--pr <number>', help: 'the hotfix pull request', parse: positiveInt, dagger: 'pullRequest' },
    branch: { flags: '--branch <name>', help: "the hotfix pull request's head branch; with GitHub, the lock is committed to it", parse: branchName },
    project: { flags: '--project <name>', help: 'the compose project of the hotfix stack', default: 'lockstep-hotfix' },
    suite,
  },
} as const satisfies CommandSpec;
