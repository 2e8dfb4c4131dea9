import type { ImageConfigSummary } from '../registry/imageConfig.js';
import { lockedService, type LockedService } from './schema.js';

export const revisionLabel = 'org.opencontainers.image.revision';
export const versionLabel = 'org.opencontainers.image.version';

export interface ImageFacts {
  image: string;
  tag: string;
  /** What the tag points at: the manifest, or the index for multi-arch images. */
  digest: string;
  config: ImageConfigSummary | null;
}

export type LockedServiceOutcome = { ok: true; service: LockedService } | { ok: false; problem: string };

const builtAtSchema = lockedService.shape.builtAt;
const versionSchema = lockedService.shape.version.unwrap();

/**
 * One lock entry from the pinned commit and what the registry says about its image. The image must not
 * claim another commit: a revision label that disagrees with the gitlink means the tag was pushed from
 * other sources than the ones the orchestrator pins, and locking it would lie.
 */
export function lockedServiceFromImage(name: string, commit: string, facts: ImageFacts): LockedServiceOutcome {
  const labels = facts.config?.labels ?? {};
  const revision = labels[revisionLabel]?.trim();
  if (revision !== undefined && revision.toLowerCase() !== commit) {
    return {
      ok: false,
      problem: `${name}: ${facts.image}:${facts.tag} was built from commit ${revision} (label ${revisionLabel}), but the submodule pins ${commit}`,
    };
  }
  const service: LockedService = {
    commit,
    image: facts.image,
    tag: facts.tag,
    digest: facts.digest,
    builtAt: builtAt(facts.config?.created ?? null),
  };
  const version = labels[versionLabel]?.trim();
  if (version !== undefined && versionSchema.safeParse(version).success) service.version = version;
  return { ok: true, service };
}

/** Go's zero time is what some builders write when they record no time at all. */
function builtAt(created: string | null): string | null {
  if (created === null || created.startsWith('0001-01-01T')) return null;
  return builtAtSchema.safeParse(created).success ? created : null;
}
