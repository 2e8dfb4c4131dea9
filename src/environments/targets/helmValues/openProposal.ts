import { botLabelColors, upsertLabelledPullRequest } from '../../../github/labelledPullRequest.js';
import type { GitHubPort } from '../../../github/port.js';
import { promotionLabels, type PromotionLabels } from '../../../github/promotionBody.js';
import type { ReleaseLock } from '../../../lock/schema.js';
import type { HelmValuesProposal } from './proposal.js';

export interface OpenedProposal {
  action: 'created' | 'updated' | 'unchanged';
  number: number;
  url: string;
  label: string;
}

/**
 * Opens the pull request of a GitOps proposal on the config repository (or brings the open one up to
 * date), labelled like every pull request lockstep opens: release, or hotfix for a hotfix lock.
 */
export async function openProposal(github: GitHubPort, proposal: HelmValuesProposal, lock: ReleaseLock, labels: PromotionLabels): Promise<OpenedProposal> {
  const { wanted, unwanted } = promotionLabels(lock, labels);
  const color = lock.hotfix ? botLabelColors.hotfix : botLabelColors.release;
  const { action, pull } = await upsertLabelledPullRequest(github, { head: proposal.branch, base: proposal.baseBranch, title: proposal.title, body: proposal.body }, { wanted, unwanted, color });
  return { action, number: pull.number, url: pull.url, label: wanted };
}

/** owner/name of a repository on github.com named by an https, ssh or scp-like URL; null otherwise. */
export function githubRepositoryOf(url: string): { owner: string; repo: string } | null {
  const [, owner, repo] = /^(?:https:\/\/github\.com\/|ssh:\/\/git@github\.com\/|git@github\.com:)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url) ?? [];
  return owner !== undefined && repo !== undefined ? { owner, repo } : null;
}
