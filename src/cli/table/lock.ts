import { defaultRef } from '../../defaults.js';
import { commaList, positiveInt } from '../parse.js';
import type { CommandSpec } from './spec.js';

/** `lockstep lock ...` and `lockstep policy ...`: the release lock and the guardrail on image references. */
export const lockGenerate = {
  group: 'lock',
  name: 'generate',
  description: 'Pin every service: its submodule commit at the ref, its image tag and the digest the registry holds for it.',
  flags: {
    ref: { flags: '--ref <ref>', help: 'the orchestrator ref whose gitlinks are read', default: defaultRef },
    repo: { flags: '--repo <dir>', help: 'the orchestrator repository', default: '.' },
    out: { flags: '--out <file>', help: 'write the lock to this file (atomically; JSON when it ends in .json) instead of stdout' },
    pullRequest: { flags: '--pull-request <n>', help: 'record the pull request the lock is generated for', parse: positiveInt },
    base: { flags: '--base <lock>', help: 'the current lock: unchanged services keep their entry after one HEAD request (with --only: a hotfix re-resolving only those)' },
    baseRef: { flags: '--base-ref <ref>', help: 'read the current lock from this ref of the orchestrator (github.lockPath), e.g. the target branch' },
    only: { flags: '--only <services>', help: 'hotfix: the services to re-resolve, comma-separated', parse: commaList },
    componentTags: { flags: '--component-tags <file>', help: "cross-check against component-tags.json published by the services' CI" },
  },
} as const satisfies CommandSpec;

export const lockVerify = {
  group: 'lock',
  name: 'verify',
  description: 'Check a lock: schema and integrity (and with --registry, that every digest still exists).',
  operands: [{ name: '<file>', help: 'the lock file (YAML or JSON)', dagger: 'lockFile' }],
  flags: {
    registry: { flags: '--registry', help: 'also check that the registry still holds every digest' },
  },
  helpAfter: '\nWith -c/--config named on the command line, the lock must also pin exactly the services of that config.',
} as const satisfies CommandSpec;

export const lockDiff = {
  group: 'lock',
  name: 'diff',
  description: 'Show which services changed between two locks.',
  operands: [
    { name: '<old>', help: 'the earlier lock', dagger: 'before' },
    { name: '<new>', help: 'the later lock', dagger: 'after' },
  ],
  flags: {
    markdown: { flags: '--markdown', help: 'render a markdown table (for PR comments)' },
  },
} as const satisfies CommandSpec;

export const lockShow = {
  group: 'lock',
  name: 'show',
  description: 'Print a lock as a readable table.',
  operands: [{ name: '<file>', help: 'the lock file' }],
  flags: {
    markdown: { flags: '--markdown', help: 'render a markdown table' },
  },
} as const satisfies CommandSpec;

export const lockExport = {
  group: 'lock',
  name: 'export',
  description: "Write a verified lock in another format (component-tags: the services' CI metadata format).",
  flags: {
    format: { flags: '--format <format>', help: 'the output format', choices: ['component-tags'], required: true },
    lock: { flags: '--lock <file>', help: 'the lock to export', required: true },
    out: { flags: '--out <file>', help: 'write to this file (atomically) instead of stdout' },
  },
} as const satisfies CommandSpec;

export const policyDigestOnly = {
  group: 'policy',
  name: 'digest-only',
  description:
    'Fail (exit 4) on any image not pinned by digest, and on latest, in compose files, Kubernetes manifests and helm values. ' +
    'Directories are walked for *.yaml and *.yml; - reads standard input. ' +
    "With no paths, the files the config names: the stack compose files, the compose environments' files and the committed lock.",
  operands: [{ name: '[paths...]', help: 'files, directories or - (standard input); default: the files the config names', dagger: 'paths' }],
  flags: {},
} as const satisfies CommandSpec;
