import { z } from 'zod';
import { commitSha, imageTag, ociDigest, serviceName, type LockedService, type ReleaseLock } from './schema.js';

/** What each microservice's own CI publishes about the image it built (`component-tags.json`). */
export const componentTagEntry = z.strictObject({
  tag: imageTag.describe('The tag the service CI pushed.'),
  sha: commitSha.describe('The commit the image was built from.'),
  digest: ociDigest.describe('The digest the push produced.'),
});

export const componentTags = z
  .record(serviceName, componentTagEntry)
  .describe('component-tags.json: per service, the tag, commit and digest its CI published.');

export type ComponentTags = z.output<typeof componentTags>;

/** The component-tags form of a lock (what `lockstep lock export --format component-tags` writes). */
export function componentTagsFromLock(lock: ReleaseLock): ComponentTags {
  const out: ComponentTags = {};
  for (const name of Object.keys(lock.services).sort()) {
    const service = lock.services[name]!;
    out[name] = { tag: service.tag, sha: service.commit, digest: service.digest };
  }
  return out;
}

export function renderComponentTags(tags: ComponentTags): string {
  return `${JSON.stringify(tags, null, 2)}\n`;
}

/**
 * Compares what the services' CI published with what the lock pins (gitlink commit, configured tag,
 * registry digest). Every service being locked must have an entry; each disagreement is one line naming
 * the service and both values. Entries for services not being locked are ignored (a hotfix re-resolves
 * only some), except names that are not services at all, which are reported.
 */
export function crossCheckComponentTags(tags: ComponentTags, locked: Record<string, LockedService>, configured: readonly string[]): string[] {
  const problems: string[] = [];
  const known = new Set(configured);
  for (const name of Object.keys(tags).sort()) {
    if (!known.has(name)) problems.push(`${name}: listed in component-tags but not a configured service`);
  }
  for (const name of Object.keys(locked).sort()) {
    const service = locked[name]!;
    const entry = tags[name];
    if (!entry) {
      problems.push(`${name}: no entry in component-tags`);
      continue;
    }
    if (entry.sha !== service.commit) problems.push(`${name}: component-tags sha ${entry.sha} differs from the submodule commit ${service.commit}`);
    if (entry.tag !== service.tag) problems.push(`${name}: component-tags tag ${entry.tag} differs from the configured tag ${service.tag}`);
    if (entry.digest !== service.digest) problems.push(`${name}: component-tags digest ${entry.digest} differs from the registry's ${service.digest}`);
  }
  return problems;
}
