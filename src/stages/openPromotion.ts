import { LockstepError } from '../errors.js';
import { botLabelColors, upsertLabelledPullRequest } from '../github/labelledPullRequest.js';
import type { GitHubDeps } from '../github/port.js';
import { promotionLabels, promotionTitle, renderPromotionBody, type PromotionLabels } from '../github/promotionBody.js';
import { readRemoteLock } from '../github/remoteLock.js';
import { lockId } from '../lock/integrity.js';
import type { ReleaseLock } from '../lock/schema.js';

export interface OpenPromotionInput {
  from: string;
  to: string;
  lock: ReleaseLock;
  lockPath: string;
  labels: PromotionLabels;
  e2eSummary?: string;
  runUrls: Array<{ name: string; url: string }>;
}

export interface OpenPromotionResult {
  action: 'created' | 'updated' | 'unchanged';
  number: number;
  url: string;
  label: string;
  labelsCreated: string[];
  lockId: string;
  integrity: string;
}

/**
 * Opens the promotion pull request (from → to) for a lock, or brings the open one up to date: one
 * promotion at a time, labelled release or hotfix, its body carrying the lock and its integrity.
 */
export async function openPromotion(input: OpenPromotionInput, deps: GitHubDeps): Promise<OpenPromotionResult> {
  const { github } = deps;
  const id = lockId(input.lock);
  // The pull request merges the branch, not the file we were given: they must be the same lock.
  const carried = await readRemoteLock(github, input.lockPath, input.from);
  if (carried.state !== 'valid' || carried.lock.integrity !== input.lock.integrity) {
    const found = carried.state === 'valid' ? `lock ${lockId(carried.lock)}` : carried.state === 'absent' ? 'no lock' : 'an invalid lock';
    throw new LockstepError('CONFLICT', `${input.from} carries ${found} in ${input.lockPath}, not lock ${id}: the promotion would not carry the tested lock`, {
      hint: `commit the lock to ${input.from} first (lockstep pr commit-lock), or pass the lock that is there`,
    });
  }

  const target = await readRemoteLock(github, input.lockPath, input.to);
  const title = promotionTitle(input.lock, input.from, input.to);
  const body = renderPromotionBody({ lock: input.lock, from: input.from, to: input.to, target, e2eSummary: input.e2eSummary, runUrls: input.runUrls });
  const { wanted, unwanted } = promotionLabels(input.lock, input.labels);

  const color = wanted === input.labels.hotfix ? botLabelColors.hotfix : botLabelColors.release;
  const { action, pull, labelCreated } = await upsertLabelledPullRequest(github, { head: input.from, base: input.to, title, body }, { wanted, unwanted, color });
  const labelsCreated = labelCreated ? [wanted] : [];
  deps.progress?.(`pr open-promotion: ${action} #${pull.number} ${input.from} → ${input.to} for lock ${id} (${wanted})`);
  return { action, number: pull.number, url: pull.url, label: wanted, labelsCreated, lockId: id, integrity: input.lock.integrity };
}
