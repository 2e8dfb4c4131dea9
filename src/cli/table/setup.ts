import { defaultImages } from '../../defaults.js';
import { repositoryName, tagTemplateValue } from '../parse.js';
import { gitHubFlags } from './github.js';
import type { CommandSpec } from './spec.js';

/** `lockstep demo` and `lockstep init`: trying lockstep out, and bringing it into a repository. */
export const demo = {
  name: 'demo',
  description:
    'Run the whole promotion on a throw-away local sandbox: pull-request check, staging, production v1.0.0, a broken release that restores itself, a manual rollback.',
  flags: {
    keep: { flags: '--keep', help: 'leave the sandbox (registry, repositories, both environments) running to poke at' },
    reportDir: { flags: '--report-dir <dir>', help: 'where the run reports and demo.json are written', default: 'report/demo' },
    registryImage: { flags: '--registry-image <image>', help: `the registry image (default: $LOCKSTEP_REGISTRY_IMAGE, else ${defaultImages.registry})` },
    nodeImage: { flags: '--node-image <image>', help: `the base image of the Node services (default: $LOCKSTEP_NODE_IMAGE, else ${defaultImages.node})` },
    baseImage: { flags: '--base-image <image>', help: `the base image of the redis image (default: $LOCKSTEP_BASE_IMAGE, else ${defaultImages.base})` },
  },
} as const satisfies CommandSpec;

export const init = {
  name: 'init',
  description:
    'Adopt lockstep in an orchestrator repository: propose lockstep.config.yaml from .gitmodules and the compose file, write the workflows, print the GitHub setup; --check verifies that setup.',
  flags: {
    dir: { flags: '--dir <path>', help: 'the orchestrator repository', default: '.' },
    compose: { flags: '--compose <file>', help: 'the compose file, relative to --dir (default: compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml)' },
    repository: { flags: '--repository <owner/name>', help: 'the GitHub repository (default: from the origin remote)', parse: repositoryName },
    tag: { flags: '--tag <template>', help: 'how image tags derive from commits ({commit}, {shortCommit})', parse: tagTemplateValue, default: 'sha-{shortCommit}' },
    moduleRef: { flags: '--module-ref <ref>', help: 'the lockstep module version tag or commit the workflows load (default: this version)' },
    force: { flags: '--force', help: 'overwrite files that exist and differ' },
    dryRun: { flags: '--dry-run', help: 'print what would be written; write nothing' },
    check: { flags: '--check', help: 'write nothing; verify the GitHub setup through the API (environments, reviewers, branch protection, the App)' },
    appSlug: { flags: '--app-slug <slug>', help: 'the GitHub App lockstep acts as (for --check)', default: 'lockstep' },
    ...gitHubFlags,
  },
} as const satisfies CommandSpec;
