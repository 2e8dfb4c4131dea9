// `lockstep gate ...`: checks that must pass before production.
import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';
import type { stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { gitHubContext, readLocalLock } from '../github.js';
import { LockstepError } from '../../errors.js';
import { renderTextTable } from '../../render/table.js';
import { evaluateApprovalGate } from '../../stages/approvalGate.js';
import { approvalTable } from '../../github/approvals.js';

export async function gateApprovalsAction(options: OptionsOf<typeof stages.gateApprovals>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions>();
  const targetLock = options.lock ? await readLocalLock(options.lock) : undefined;
  const { config, deps } = await gitHubContext(command, options);
  // In CI the run's own commit is the one being deployed; by hand, without --commit, the merge is not checked.
  const commit = options.commit ?? (process.env.GITHUB_SHA || undefined);
  const deploying = commit ? { branch: options.productionBranch, commit } : undefined;
  const result = await evaluateApprovalGate({ pullRequest: options.pr, required: options.required, lockPath: config.lockPath, targetLock, deploying }, deps);
  emit(output, result, () => {
    const { approvals, lock } = result;
    const lines = [
      `#${result.pullRequest} by ${result.author} · head ${result.headSha.slice(0, 7)} · ${approvals.approvals} of ${approvals.required} approvals`,
      '',
      approvals.reviewers.length > 0 ? renderTextTable(approvalTable(approvals)) : '(no reviews)',
      '',
      lock.ok ? `lock: ${lock.integrity} carried unchanged` : `lock: ${lock.problems.length} problem(s)`,
      ...lock.problems.map((problem) => `  ✘ ${problem}`),
      ...result.pullRequestProblems.map((problem) => `✘ ${problem}`),
      '',
      result.passed ? '✔ gate passed' : '✘ gate refused',
    ];
    return `${lines.join('\n')}\n`;
  });
  if (!result.passed) {
    const reasons = [
      ...(result.approvals.passed ? [] : [`${result.approvals.approvals} of ${result.approvals.required} required approvals on the head commit`]),
      ...(result.lock.ok ? [] : ['the promoted lock does not match']),
      ...result.pullRequestProblems,
    ];
    throw new LockstepError('GATE_REFUSED', `approval gate refused #${result.pullRequest}: ${reasons.join('; ')}`, { details: result.lock.problems });
  }
}
