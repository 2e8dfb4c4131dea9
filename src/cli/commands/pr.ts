// `lockstep pr ...`: the lock comment, the lock commit and the promotion pull request.
import type { Command } from 'commander';
import { recordArtifacts } from '../stageResult.js';
import { emit, type OutputOptions } from '../output.js';
import { configChoice, gitHubContext, readLocalLock } from '../github.js';
import type { stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { InputError } from '../../errors.js';
import { writeAtomic } from '../../io/writeAtomic.js';
import { appendFile } from 'node:fs/promises';
import { loadGithubConfig } from '../../github/settings.js';
import { readLock } from '../../lock/read.js';
import { renderLockComment } from '../../github/lockComment.js';
import { commentLockOnPullRequest } from '../../stages/prComment.js';
import { commitLockToBranch } from '../../stages/commitLock.js';
import { readBoundedText } from '../../io/readDocument.js';
import { promotionTitle, renderPromotionBody } from '../../github/promotionBody.js';
import { openPromotion } from '../../stages/openPromotion.js';

export async function prCommentAction(options: OptionsOf<typeof stages.prComment>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions>();
  const lock = await readLock(options.lock);
  const baseLock = options.baseLock ? await readLocalLock(options.baseLock) : undefined;
  const stepSummaryFile = process.env.GITHUB_STEP_SUMMARY || undefined;

  if (options.dryRun || options.out !== undefined) {
    const choice = configChoice(command);
    const { lockPath } = await loadGithubConfig(choice.file, choice.explicit);
    const body = renderLockComment({ lock, baseRef: options.base, base: baseLock ?? { state: 'absent', label: `${lockPath}@${options.base}` } });
    if (stepSummaryFile) await appendFile(stepSummaryFile, `${body}\n`);
    if (options.out !== undefined && options.out !== '-') {
      await writeAtomic(options.out, body);
      recordArtifacts(options.out);
      emit(output, { dryRun: true, out: options.out, bytes: Buffer.byteLength(body) }, () => `✔ rendered the lock comment to ${options.out}`);
    } else {
      emit(output, { dryRun: true, body }, () => body);
    }
    return;
  }
  if (options.pr === undefined) throw new InputError('--pr', undefined, 'is required unless --dry-run or --out is given');

  const { config, deps } = await gitHubContext(command, options);
  const result = await commentLockOnPullRequest(
    { pullRequest: options.pr, lock, lockPath: config.lockPath, baseLock, stepSummaryFile },
    deps,
  );
  const { body: _body, ...summary } = result;
  emit(output, summary, () => `✔ ${result.action} the lock comment (lock ${result.lockId}) on #${result.pullRequest}: ${result.url}`);
}

export async function prCommitLockAction(options: OptionsOf<typeof stages.prCommitLock>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions>();
  const lock = await readLock(options.lock);
  const { config, deps } = await gitHubContext(command, options);
  const result = await commitLockToBranch(
    {
      branch: options.branch,
      lock,
      lockPath: config.lockPath,
      pullRequest: options.pr,
      expectedHead: options.expectedHead,
      force: options.force === true,
    },
    deps,
  );
  emit(output, result, () =>
    result.action === 'committed'
      ? `✔ committed lock ${result.lockId} to ${result.branch} as ${result.commit}${result.forced ? ' (forced)' : ''}\n  ${result.message}`
      : `✔ ${result.branch} already carries lock ${result.lockId} in ${result.path}; nothing to commit`,
  );
}

export async function prOpenPromotionAction(options: OptionsOf<typeof stages.prOpenPromotion>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions>();
  if (options.from === options.to) throw new InputError('--to', undefined, 'must differ from --from');
  const lock = await readLock(options.lock);
  const e2eSummary = options.e2eSummary ? await readBoundedText(options.e2eSummary, { maxBytes: 1024 * 1024 }) : undefined;
  const runUrls = options.runUrl ? [{ name: `${options.from} run`, url: options.runUrl }] : [];
  if (options.out !== undefined) {
    const target = options.targetLock ? await readLocalLock(options.targetLock) : { state: 'absent' as const, label: `${options.to} (not given)` };
    const body = renderPromotionBody({ lock, from: options.from, to: options.to, target, e2eSummary, runUrls });
    await writeAtomic(options.out, `# ${promotionTitle(lock, options.from, options.to)}\n\n${body}`);
    recordArtifacts(options.out);
    emit(output, { dryRun: true, out: options.out }, () => `✔ rendered the promotion pull request to ${options.out}`);
    return;
  }
  const { config, deps } = await gitHubContext(command, options);
  const result = await openPromotion(
    {
      from: options.from,
      to: options.to,
      lock,
      lockPath: config.lockPath,
      labels: config.labels,
      e2eSummary,
      runUrls,
    },
    deps,
  );
  emit(output, result, () => `✔ ${result.action} promotion #${result.number} (${result.label}) for lock ${result.lockId}: ${result.url}`);
}
