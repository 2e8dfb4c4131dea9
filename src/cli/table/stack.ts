import { commaList, durationMs } from '../parse.js';
import type { CommandSpec, FlagSpec } from './spec.js';

/** `lockstep stack plan|up|test|down`: the whole system from compose, for pull requests. */
const project = {
  flags: '--project <name>',
  help: 'the compose project (default: $LOCKSTEP_STACK_PROJECT, else lockstep-<folder of the config file>)',
} as const satisfies FlagSpec;

export const stackPlan = {
  group: 'stack',
  name: 'plan',
  description: 'Print the compose service graph (with --lock: every locked image as image@digest).',
  flags: {
    lock: { flags: '--lock <file>', help: 'pin the services to this release lock' },
  },
} as const satisfies CommandSpec;

export const stackUp = {
  group: 'stack',
  name: 'up',
  description: 'Start the stack with every locked service pinned to image@digest; wait until all are healthy. Tears down on failure or Ctrl-C.',
  flags: {
    lock: { flags: '--lock <file>', help: 'the release lock whose images to run', required: true, dagger: 'lockFile' },
    project,
    timeout: { flags: '--timeout <duration>', help: 'how long the start may take, pulls included', parse: durationMs, default: 300_000, defaultHelp: '5m' },
    keepOnFailure: { flags: '--keep-on-failure', help: 'leave a stack that failed to start running, for inspection' },
  },
} as const satisfies CommandSpec;

export const stackTest = {
  group: 'stack',
  name: 'test',
  description: 'Run the configured suites in containers on the stack network; JUnit XML and summary.md in the report folder.',
  flags: {
    project,
    suite: { flags: '--suite <names>', help: 'comma-separated suites to run (default: all configured)', parse: commaList },
    report: { flags: '--report <dir>', help: 'the report folder (default: stack.reportDir of the config, report/stack)' },
  },
} as const satisfies CommandSpec;

export const stackDown = {
  group: 'stack',
  name: 'down',
  description: "Remove the stack's containers, networks and volumes (also whatever a failed or interrupted run left).",
  flags: { project },
} as const satisfies CommandSpec;
