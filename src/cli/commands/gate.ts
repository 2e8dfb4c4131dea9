import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';
import { defaultRequiredApprovals } from '../../defaults.js';
import { positiveInt } from '../parse.js';
import { gitHubContext, readLocalLock, withGitHubFlags, type GitHubFlags } from './pr.js';
import { LockstepError } from '../../errors.js';
import { renderTextTable } from '../../render/table.js';

/** `lockstep gate ...`: checks that must pass before production. */
export function registerGateCommands(program: Command): void {
  const gate = program.command('gate').description('Gates before production.');

  withGitHubFlags(
    gate
      .command('approvals')
      .description(
        'Pass only with N distinct current approvals (not the author; latest review approving the head commit) and the promoted lock unchanged.',
      )
      .requiredOption('--pr <number>', 'the promotion pull request', positiveInt)
      .option('--required <count>', 'distinct approvals required', positiveInt, defaultRequiredApprovals)
      .option('--lock <file>', 'the lock on the target branch (e.g. locks/current.lock.yaml of a main checkout): must be byte-identical')
      .option('--commit <sha>', 'the commit being deployed: the pull request must be merged as exactly this commit (default: GITHUB_SHA when set)')
      .option('--production-branch <branch>', 'the branch the pull request must be merged into', 'main'),
  ).action(async (options: GitHubFlags & { pr: number; required: number; lock?: string; commit?: string; productionBranch: string }, command: Command) => {
    const output = command.optsWithGlobals<OutputOptions>();
    const targetLock = options.lock ? await readLocalLock(options.lock) : undefined;
    const { config, deps } = await gitHubContext(command, options);
    const { evaluateApprovalGate } = await import('../../stages/approvalGate.js');
    const { approvalTable } = await import('../../github/approvals.js');
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
  });
}
