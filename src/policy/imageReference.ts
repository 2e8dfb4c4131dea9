/**
 * An image reference split the way distribution/reference reads it: `repo[:tag][@digest]`. The parser
 * is lenient about the repository (policy checks meet templated and odd names and must still report
 * them); callers that deploy validate the repository separately.
 */
export interface ImageReference {
  repository: string;
  /** null when the reference names no tag (the registry then serves `latest`). */
  tag: string | null;
  /** The text after `@`, as written; null when there is none. */
  digest: string | null;
}

const pinnedDigest = /^sha256:[0-9a-f]{64}$/;

export function parseImageReference(reference: string): ImageReference {
  const at = reference.indexOf('@');
  const name = at === -1 ? reference : reference.slice(0, at);
  const digest = at === -1 ? null : reference.slice(at + 1);
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  return colon === -1
    ? { repository: name, tag: null, digest }
    : { repository: name.slice(0, colon), tag: name.slice(colon + 1), digest };
}

/** True for `sha256:` and 64 lower-case hex digits: the only digest lockstep deploys. */
export function isPinnedDigest(digest: string | null | undefined): digest is string {
  return typeof digest === 'string' && pinnedDigest.test(digest);
}

/** The digest of `repo@sha256:...`, or null when the reference is not pinned by a valid digest. */
export function pinnedDigestOf(reference: string): string | null {
  const { digest } = parseImageReference(reference);
  return isPinnedDigest(digest) ? digest : null;
}
