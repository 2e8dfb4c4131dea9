import { renderMarkdownTable, renderTextTable, shortCommit, shortDigest, type Table } from '../render/table.js';
import type { LockDiff } from './diff.js';
import { lockId } from './integrity.js';
import type { ReleaseLock } from './schema.js';
import { familiarRepository } from '../registry/reference.js';

export function lockTable(lock: ReleaseLock, options: { full?: boolean } = {}): Table {
  const digest = options.full ? (value: string) => value : shortDigest;
  return {
    headers: ['service', 'commit', 'image', 'tag', 'digest', 'version', 'built'],
    rows: Object.entries(lock.services)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, service]) => [
        name,
        options.full ? service.commit : shortCommit(service.commit),
        // The lock records the canonical repository; people read the name they wrote (nginx, acme/app).
        familiarRepository(service.image),
        service.tag,
        digest(service.digest),
        service.version ?? '',
        service.builtAt ?? '',
      ]),
  };
}

export function diffTable(diff: LockDiff): Table {
  return {
    headers: ['service', 'change', 'commit', 'tag', 'digest'],
    rows: diff.services
      .filter((entry) => entry.change !== 'unchanged')
      .map((entry) => {
        const pair = (pick: (s: NonNullable<typeof entry.after>) => string) => {
          const from = entry.before ? pick(entry.before) : '';
          const to = entry.after ? pick(entry.after) : '';
          if (entry.change === 'added') return to;
          if (entry.change === 'removed') return from;
          return from === to ? to : `${from} → ${to}`;
        };
        return [
          entry.service,
          entry.change,
          pair((s) => shortCommit(s.commit)),
          pair((s) => s.tag),
          pair((s) => shortDigest(s.digest)),
        ];
      }),
  };
}

export function lockHeadline(lock: ReleaseLock): string {
  const count = Object.keys(lock.services).length;
  return `lock ${lockId(lock)} · ${count} service${count === 1 ? '' : 's'} · ${lock.source.repository}@${shortCommit(lock.source.commit)} (${lock.source.ref}) · ${lock.createdAt}`;
}

export function renderLockText(lock: ReleaseLock): string {
  return `${lockHeadline(lock)}\n\n${renderTextTable(lockTable(lock))}\n`;
}

export function renderLockMarkdown(lock: ReleaseLock): string {
  return `${renderMarkdownTable(lockTable(lock))}\n\n<sub>integrity \`${lock.integrity}\`</sub>\n`;
}

export function renderDiffText(diff: LockDiff): string {
  if (diff.services.every((entry) => entry.change === 'unchanged')) return 'no service changed\n';
  return `${renderTextTable(diffTable(diff))}\n${summaryLine(diff)}\n`;
}

export function renderDiffMarkdown(diff: LockDiff): string {
  if (diff.services.every((entry) => entry.change === 'unchanged')) return '_No service changed._\n';
  return `${renderMarkdownTable(diffTable(diff))}\n\n${summaryLine(diff)}\n`;
}

function summaryLine(diff: LockDiff): string {
  const { added, removed, changed, unchanged } = diff.summary;
  return `${changed} changed, ${added} added, ${removed} removed, ${unchanged} unchanged`;
}
