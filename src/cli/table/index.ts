import type { Command } from 'commander';
import { defaultConfigFile } from '../../defaults.js';
import { deploy, e2e, health, rollback, smoke, status } from './environment.js';
import { gateApprovals, prComment, prCommitLock, prOpenPromotion } from './github.js';
import { lockDiff, lockExport, lockGenerate, lockShow, lockVerify, policyDigestOnly } from './lock.js';
import { runHotfix, runPrCheck, runPromoteProduction, runPromoteStaging, runRollback, runStackTest } from './pipelines.js';
import { releaseArchive, releaseCommitArchive, releaseNextVersion, releasePublish, releaseResolve } from './release.js';
import { demo, init } from './setup.js';
import { stackDown, stackPlan, stackTest, stackUp } from './stack.js';
import { addCommand, type CommandSpec } from './spec.js';

/**
 * The stage table: every lockstep command named once, with its flags, defaults and help. commander
 * is built from it, the pipeline plans write their arguments with it, docs/cli.md is generated from
 * the commander tree it builds, and a test holds the Dagger module's functions to it.
 */
export const stages = {
  lockGenerate,
  lockVerify,
  lockDiff,
  lockShow,
  lockExport,
  policyDigestOnly,
  health,
  deploy,
  status,
  e2e,
  smoke,
  rollback,
  releaseNextVersion,
  releaseArchive,
  releasePublish,
  releaseResolve,
  releaseCommitArchive,
  stackPlan,
  stackUp,
  stackTest,
  stackDown,
  prComment,
  prCommitLock,
  prOpenPromotion,
  gateApprovals,
  runPrCheck,
  runStackTest,
  runPromoteStaging,
  runPromoteProduction,
  runRollback,
  runHotfix,
  demo,
  init,
} as const satisfies Record<string, CommandSpec>;

/** The groups commands sit in, with their help. */
export const groups: Readonly<Record<string, string>> = {
  lock: 'Generate, verify, compare, show and export release locks.',
  policy: 'Guardrails: refuse image references that can move.',
  release: 'Archive a released lock (and publish the release on GitHub).',
  stack: "Run the whole system from compose with a lock's images, test it, tear it down.",
  pr: 'Comment the lock on its pull request, commit it, open the promotion pull request.',
  gate: 'Gates before production.',
  run: 'Run a whole pipeline (one per trigger) as the workflows do: each stage a lockstep command, with a run report.',
};

/** The program's own flags, taken before any command. */
export const programFlags = {
  config: { flags: '-c, --config <file>', help: 'the lockstep config file', default: defaultConfigFile },
  json: { flags: '--json', help: 'print machine-readable JSON instead of tables' },
  resultFile: { flags: '--result-file <file>', help: 'also write what the command did as JSON: status, error code, exit status, summary, artifacts, test counts' },
} as const;

/** Declares a table command under the program (commander), its group included. */
export function declareCommand(program: Command, spec: CommandSpec): Command {
  return addCommand(program, spec, groups);
}
