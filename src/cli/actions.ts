import type { stages } from './table/index.js';

/** A command's action as commander calls it: its operands, its options, the command itself. */
export type Action = (...args: never[]) => Promise<void>;

const lock = () => import('./commands/lock.js');
const policy = () => import('./commands/policy.js');
const environment = () => import('./commands/env.js');
const release = () => import('./commands/release.js');
const stack = () => import('./commands/stack.js');
const pr = () => import('./commands/pr.js');
const gate = () => import('./commands/gate.js');
const run = () => import('./commands/run.js');
const demo = () => import('./commands/demo.js');
const init = () => import('./commands/init.js');

/**
 * Where each command's action is, loaded when the command runs. The command modules import what they
 * use statically; this is the one place the CLI loads code lazily, because importing every command's
 * code at start-up measured 80 to 120 ms more (about +40 %) on every command, `lock generate`'s
 * included, and `lockstep --help` needs none of it. The keys are the stage table's: a command
 * without an action does not compile.
 */
export const actions: { readonly [K in keyof typeof stages]: () => Promise<Action> } = {
  lockGenerate: async () => (await lock()).lockGenerateAction,
  lockVerify: async () => (await lock()).lockVerifyAction,
  lockDiff: async () => (await lock()).lockDiffAction,
  lockShow: async () => (await lock()).lockShowAction,
  lockExport: async () => (await lock()).lockExportAction,
  policyDigestOnly: async () => (await policy()).policyDigestOnlyAction,
  health: async () => (await environment()).healthAction,
  deploy: async () => (await environment()).deployAction,
  status: async () => (await environment()).statusAction,
  e2e: async () => (await environment()).e2eAction,
  smoke: async () => (await environment()).smokeAction,
  rollback: async () => (await environment()).rollbackAction,
  releaseNextVersion: async () => (await release()).releaseNextVersionAction,
  releaseArchive: async () => (await release()).releaseArchiveAction,
  releasePublish: async () => (await release()).releasePublishAction,
  releaseResolve: async () => (await release()).releaseResolveAction,
  releaseCommitArchive: async () => (await release()).releaseCommitArchiveAction,
  stackPlan: async () => (await stack()).stackPlanAction,
  stackUp: async () => (await stack()).stackUpAction,
  stackTest: async () => (await stack()).stackTestAction,
  stackDown: async () => (await stack()).stackDownAction,
  prComment: async () => (await pr()).prCommentAction,
  prCommitLock: async () => (await pr()).prCommitLockAction,
  prOpenPromotion: async () => (await pr()).prOpenPromotionAction,
  gateApprovals: async () => (await gate()).gateApprovalsAction,
  runPrCheck: async () => (await run()).runPrCheckAction,
  runStackTest: async () => (await run()).runStackTestAction,
  runPromoteStaging: async () => (await run()).runPromoteStagingAction,
  runPromoteProduction: async () => (await run()).runPromoteProductionAction,
  runRollback: async () => (await run()).runRollbackAction,
  runHotfix: async () => (await run()).runHotfixAction,
  demo: async () => (await demo()).demoAction,
  init: async () => (await init()).initAction,
};
