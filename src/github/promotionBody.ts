import { diffLocks } from '../lock/diff.js';
import { lockId } from '../lock/integrity.js';
import { lockHeadlineMarkdown, renderDiffMarkdown, renderLockMarkdown } from '../lock/render.js';
import { markdownCode, markdownText, neutralizeMarkers } from '../render/escape.js';
import type { ReleaseLock } from '../lock/schema.js';
import { lockMarker } from './markers.js';
import type { RemoteLock } from './remoteLock.js';

/** GitHub refuses pull request bodies over 65,536 characters; the E2E summary gives way first. */
export const maxBodyLength = 65_536;

export interface PromotionLabels {
  release: string;
  hotfix: string;
}

export interface PromotionBodyInput {
  lock: ReleaseLock;
  from: string;
  to: string;
  /** The lock now on the target branch, for the diff. */
  target: RemoteLock;
  e2eSummary?: string;
  runUrls: Array<{ name: string; url: string }>;
}

/** The label a promotion carries, and the one it must not (a lock is a hotfix or it is not). */
export function promotionLabels(lock: ReleaseLock, labels: PromotionLabels): { wanted: string; unwanted: string } {
  return lock.hotfix ? { wanted: labels.hotfix, unwanted: labels.release } : { wanted: labels.release, unwanted: labels.hotfix };
}

export function promotionTitle(lock: ReleaseLock, from: string, to: string): string {
  return lock.hotfix
    ? `Hotfix ${from} → ${to}: lock ${lockId(lock)} (${lock.hotfix.services.join(', ')})`
    : `Promote ${from} → ${to}: lock ${lockId(lock)}`;
}

/**
 * The promotion pull request body: what production will run, what changes there, the staging E2E
 * result, and the lock integrity as a marker the approval gate reads back.
 */
export function renderPromotionBody(input: PromotionBodyInput): string {
  const { lock, target } = input;
  const from = markdownCode(input.from);
  const to = markdownCode(input.to);
  const head = [
    `## ${lock.hotfix ? 'Hotfix' : 'Promote'} ${from} → ${to}`,
    '',
    `This pull request carries release lock \`${lockId(lock)}\` from ${from} unchanged: ${to} deploys exactly these digests.`,
    '',
    lockHeadlineMarkdown(lock),
    '',
  ];
  if (lock.hotfix) {
    head.push(`**Hotfix** re-resolving ${lock.hotfix.services.map((name) => `\`${name}\``).join(', ')}; every other service is copied from lock \`${lock.hotfix.baseIntegrity}\`.`, '');
  }
  head.push('### Release lock', '', renderLockMarkdown(lock).trimEnd(), '', `### Changes against ${to}`, '');
  if (target.state === 'valid') {
    head.push(target.lock.integrity === lock.integrity ? `_${to} already carries this lock._` : renderDiffMarkdown(diffLocks(target.lock, lock)).trimEnd());
  } else {
    if (target.state === 'invalid') head.push(`> **Warning:** ${markdownCode(target.label)} is not a valid lock (${markdownText(target.problem)}); it is ignored below.`, '');
    head.push(renderDiffMarkdown(diffLocks(null, lock)).trimEnd());
  }
  head.push('', `### E2E on ${from}`, '');

  const tail = [''];
  if (input.runUrls.length > 0) {
    tail.push('### Runs', '', ...input.runUrls.map((run) => `- [${markdownText(run.name)}](${run.url.replace(/[()\s<>]/g, encodeURIComponent)})`), '');
  }
  tail.push(`<sub>Opened by lockstep. The approval gate checks that ${to} ends up with integrity \`${lock.integrity}\`.</sub>`, lockMarker(lock.integrity), '');

  const before = head.join('\n');
  const after = tail.join('\n');
  // The E2E summary is markdown made from test names and output: kept as markdown, but no marker in it counts.
  const summary = input.e2eSummary?.trim() ? neutralizeMarkers(input.e2eSummary.trim()) : '_No E2E summary was given._';
  return `${before}\n${fitSummary(summary, maxBodyLength - before.length - after.length - 2)}\n${after}`;
}

function fitSummary(summary: string, room: number): string {
  if (summary.length <= room) return summary;
  const note = '\n\n_(E2E summary truncated: the full report is in the run.)_';
  const cut = summary.slice(0, Math.max(0, room - note.length));
  const lastLine = cut.lastIndexOf('\n');
  return `${lastLine > 0 ? cut.slice(0, lastLine) : cut}${note}`;
}
