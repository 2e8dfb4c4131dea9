import { defaultTokenEnv } from '../../defaults.js';
import { envVarName } from '../parse.js';
import type { CommandSpec, FlagSpec } from './spec.js';

/** `lockstep health|deploy|status|e2e|smoke|rollback --env E`: everything that acts on one environment. */
const env = { flags: '--env <name>', help: 'the environment (a key of environments in the config)', required: true, dagger: 'environment' } as const satisfies FlagSpec;
const markdownSummary = (help: string) => ({ flags: '--markdown-summary [file]', help }) as const satisfies FlagSpec;

export const health = {
  name: 'health',
  description: 'Run the health gate of an environment: target API, host resources, dependencies. Exit 1 when unhealthy.',
  flags: {
    env,
    markdownSummary: markdownSummary('append a markdown block to this file (default: $GITHUB_STEP_SUMMARY)'),
  },
} as const satisfies CommandSpec;

export const deploy = {
  name: 'deploy',
  description: 'Deploy a lock to an environment: verify, health gate, lease, migrate, roll out, restore on any failure.',
  flags: {
    env,
    lock: { flags: '--lock <file>', help: 'the release lock to deploy', required: true, dagger: 'lockFile' },
    holder: { flags: '--holder <name>', help: 'who deploys, shown to a concurrent run (default: the CI run, else user@host:pid)' },
  },
} as const satisfies CommandSpec;

export const status = {
  name: 'status',
  description: 'Show which lock an environment runs and whether any service drifted from it.',
  flags: {
    env,
    check: { flags: '--check', help: 'exit 1 when a service drifted or no lock is recorded' },
  },
} as const satisfies CommandSpec;

export const e2e = {
  name: 'e2e',
  // The Dagger function's name: dagger's names cannot hold digits (strcase makes e2e "e-2-e").
  alias: 'end-to-end',
  description: 'Run the stack suites against a deployed environment, on its network; JUnit XML and summary.md in the report folder.',
  flags: {
    env,
    reportDir: { flags: '--report-dir <dir>', help: 'where <suite>.xml, <suite>.log and summary.md go (default: report/<env>/e2e)' },
  },
} as const satisfies CommandSpec;

export const smoke = {
  name: 'smoke',
  description: 'Run the smoke probes of an environment (HTTP status, body, latency, retries); JUnit XML and markdown in the report folder.',
  flags: {
    env,
    reportDir: { flags: '--report-dir <dir>', help: 'where smoke.xml and smoke.md go (default: report/<env>/smoke)' },
    markdownSummary: markdownSummary('append the markdown to this file (default: $GITHUB_STEP_SUMMARY)'),
  },
} as const satisfies CommandSpec;

export const rollback = {
  name: 'rollback',
  description: 'Redeploy an archived release (default: the one before the release live) through the deploy path.',
  flags: {
    env,
    to: { flags: '--to <version>', help: 'the archived release to return to, e.g. v1.4.2' },
    toLock: { flags: '--to-lock <integrity>', help: 'return to the release archived with this lock (what ran before a deploy; empty: nothing did)' },
    releasesDir: { flags: '--releases-dir <dir>', help: "where archived releases are (default: the config's github.releaseArchiveDir)" },
    holder: { flags: '--holder <name>', help: 'who deploys, shown to a concurrent run' },
    tokenEnv: {
      flags: '--token-env <name>',
      help: "the variable holding a GitHub token, to check the archived lock against the release's own (skipped, with a warning, when unset)",
      parse: envVarName,
      default: defaultTokenEnv,
    },
  },
} as const satisfies CommandSpec;
