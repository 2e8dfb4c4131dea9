import type { GitHubPort, PullRequestInfo } from './port.js';

export const botLabelColors = { release: '0e8a16', hotfix: 'd93f0b' };

export interface LabelledPullRequest {
  action: 'created' | 'updated' | 'unchanged';
  pull: PullRequestInfo;
  /** True when the wanted label did not exist in the repository and was created. */
  labelCreated: boolean;
}

/**
 * The one pull request lockstep keeps open from `head` into `base`: created, or the open one brought
 * up to date, carrying the wanted label and not the unwanted one (release vs hotfix).
 */
export async function upsertLabelledPullRequest(
  github: GitHubPort,
  input: { head: string; base: string; title: string; body: string },
  labels: { wanted: string; unwanted: string; color: string },
): Promise<LabelledPullRequest> {
  const labelCreated = (await github.ensureLabel({ name: labels.wanted, color: labels.color, description: 'Opened by lockstep: promotes a release lock' })) === 'created';
  const existing = (await github.findOpenPullRequests(input.head, input.base)).sort((a, b) => a.number - b.number)[0];
  let pull: PullRequestInfo;
  let action: LabelledPullRequest['action'];
  if (!existing) {
    pull = await github.createPullRequest(input);
    action = 'created';
  } else if (existing.title !== input.title || existing.body !== input.body) {
    pull = await github.updatePullRequest(existing.number, { title: input.title, body: input.body });
    action = 'updated';
  } else {
    pull = existing;
    action = 'unchanged';
  }
  if (!pull.labels.includes(labels.wanted)) await github.addLabels(pull.number, [labels.wanted]);
  if (pull.labels.includes(labels.unwanted)) await github.removeLabel(pull.number, labels.unwanted);
  return { action, pull, labelCreated };
}
