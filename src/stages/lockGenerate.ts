import { basename } from 'node:path';
import type { ServiceConfig } from '../config/services.js';
import { InputError, LockstepError, type ErrorCode } from '../errors.js';
import { readGitlinks, type GitlinkLookup } from '../git/readGitlinks.js';
import { resolveRef, type ResolvedRef } from '../git/resolveRef.js';
import { crossCheckComponentTags, type ComponentTags } from '../lock/componentTags.js';
import { checkHotfixServices, hotfixServices } from '../lock/hotfix.js';
import { sealLock } from '../lock/integrity.js';
import { lockedServiceFromImage, type LockedServiceOutcome } from '../lock/lockedServiceFromImage.js';
import { releaseLock, type LockBody, type LockedService, type ReleaseLock } from '../lock/schema.js';
import { renderTag } from '../lock/tagTemplate.js';
import { lockTimestamp } from '../lock/timestamp.js';
import type { RegistryClient } from '../registry/client.js';
import { normalizeRepository } from '../registry/reference.js';

/** The git reads the stage needs; tests and other stages may pass their own. */
export interface GitPort {
  resolveRef(repoDir: string, ref: string): Promise<ResolvedRef>;
  readGitlinks(repoDir: string, commit: string, paths: readonly string[]): Promise<Map<string, GitlinkLookup>>;
}

export const localGit: GitPort = { resolveRef, readGitlinks };

export interface GenerateLockInput {
  /** The config file, named in messages about its content. */
  configFile: string;
  services: Record<string, ServiceConfig>;
  /** The config's `repository`, recorded as the lock's source. */
  repository?: string | undefined;
  repoDir: string;
  ref: string;
  pullRequest?: number | undefined;
  /** Re-resolve only these services of a base lock. */
  hotfix?: { baseFile: string; base: ReleaseLock; only: string[] } | undefined;
  /**
   * The current lock (on the target branch, or --base): a service whose commit, image, tag and digest
   * are unchanged keeps its entry, after one HEAD request, instead of reading manifest and config again.
   */
  previous?: { file: string; lock: ReleaseLock } | undefined;
  /** Cross-check against what the services' CI published. */
  componentTags?: { file: string; tags: ComponentTags } | undefined;
  env: NodeJS.ProcessEnv;
  now?: Date;
}

export interface GenerateLockDeps {
  registry: RegistryClient;
  git?: GitPort;
  progress?: (line: string) => void;
}

export interface GenerateLockResult {
  lock: ReleaseLock;
  /** The services resolved from git and the registry in this run (all of them, or a hotfix's). */
  resolved: string[];
  /** Of those, the ones whose entry was carried over from the previous lock after one HEAD. */
  reused: string[];
}

interface Problem {
  service: string;
  code: ErrorCode;
  message: string;
}

/**
 * `lockstep lock generate`: reads each service's gitlink at the ref, derives its tag, asks the registry
 * for the digest and image config of every tag at once, and seals the lock. Any service that cannot be
 * pinned fails the whole run with every problem listed; nothing is returned half done.
 */
export async function generateLock(input: GenerateLockInput, deps: GenerateLockDeps): Promise<GenerateLockResult> {
  const git = deps.git ?? localGit;
  const configured = Object.keys(input.services).sort();
  const names = input.hotfix ? checkHotfixServices(input.hotfix.baseFile, input.hotfix.base, input.hotfix.only, configured) : configured;
  const createdAt = lockTimestamp(input.env, input.now);

  const ref = await git.resolveRef(input.repoDir, input.ref);
  const commits = await gitlinkCommits(input, names, ref, git);

  const tags = new Map<string, string>();
  for (const name of names) {
    try {
      tags.set(name, renderTag(input.services[name]!.tag, commits.get(name)!));
    } catch (error) {
      if (error instanceof LockstepError) throw new InputError(input.configFile, `services.${name}.tag`, error.message);
      throw error;
    }
  }

  deps.progress?.(`lock: resolving ${names.length} image${names.length === 1 ? '' : 's'} at ${ref.name} (${ref.commit.slice(0, 7)})`);
  const reused: string[] = [];
  const outcomes = await Promise.allSettled(
    names.map(async (name): Promise<LockedServiceOutcome> => {
      const image = normalizeRepository(input.services[name]!.image);
      const tag = tags.get(name)!;
      const commit = commits.get(name)!;
      const carried = reusable(input.previous?.lock.services[name], image, tag, commit);
      if (carried) {
        const { digest } = await deps.registry.resolveTag(image, tag);
        if (digest === carried.digest) {
          reused.push(name);
          return { ok: true, service: carried };
        }
      }
      const inspected = await deps.registry.inspectTag(image, tag);
      return lockedServiceFromImage(name, commit, { image, tag, digest: inspected.digest, config: inspected.config });
    }),
  );
  const resolved: Record<string, LockedService> = {};
  const problems: Problem[] = [];
  outcomes.forEach((outcome, index) => {
    const name = names[index]!;
    if (outcome.status === 'rejected') {
      const error = outcome.reason as unknown;
      if (!(error instanceof LockstepError)) throw error;
      problems.push({ service: name, code: error.code, message: error.message });
      return;
    }
    const built = outcome.value;
    if (built.ok) resolved[name] = built.service;
    else problems.push({ service: name, code: 'PROVENANCE', message: built.problem });
  });
  if (problems.length > 0) throw aggregate(problems, names.length);

  if (input.componentTags) {
    const mismatches = crossCheckComponentTags(input.componentTags.tags, resolved, configured);
    if (mismatches.length > 0) {
      throw new LockstepError('PROVENANCE', `${input.componentTags.file} disagrees with the lock (${mismatches.length} problem${mismatches.length === 1 ? '' : 's'})`, {
        details: mismatches,
      });
    }
  }

  const { services, hotfix } = input.hotfix
    ? hotfixServices(input.hotfix.base, resolved)
    : { services: resolved, hotfix: undefined };
  const body: LockBody = {
    apiVersion: 'lockstep/v1',
    kind: 'ReleaseLock',
    createdAt,
    source: {
      repository: input.repository ?? (input.env.GITHUB_REPOSITORY || basename(ref.topLevel)),
      ref: ref.name,
      commit: ref.commit,
      ...(input.pullRequest === undefined ? {} : { pullRequest: input.pullRequest }),
    },
    ...(hotfix ? { hotfix } : {}),
    services,
  };
  const lock = sealLock(body);
  const checked = releaseLock.safeParse(lock);
  if (!checked.success) {
    // Every part was validated on the way in; an invalid lock here is a lockstep bug, never written.
    throw new Error(`generated lock fails its own schema at ${checked.error.issues[0]?.path.join('.')}: ${checked.error.issues[0]?.message}`);
  }
  return { lock: checked.data, resolved: names, reused: reused.sort() };
}

/**
 * A previous entry may be carried over only for the same commit, repository and tag; the caller still
 * checks the tag resolves to the same digest, so a re-pushed tag is read in full again.
 */
function reusable(previous: LockedService | undefined, image: string, tag: string, commit: string): LockedService | undefined {
  if (!previous || previous.commit !== commit || previous.tag !== tag) return undefined;
  return normalizeRepository(previous.image) === image ? { ...previous, image } : undefined;
}

async function gitlinkCommits(input: GenerateLockInput, names: string[], ref: ResolvedRef, git: GitPort): Promise<Map<string, string>> {
  const paths = names.map((name) => input.services[name]!.path);
  const links = await git.readGitlinks(input.repoDir, ref.commit, paths);
  const commits = new Map<string, string>();
  const problems: string[] = [];
  names.forEach((name, index) => {
    const path = paths[index]!;
    const link = links.get(path);
    if (link?.found === 'gitlink') commits.set(name, link.commit);
    else {
      const what = link?.found === 'tree' ? 'a directory' : link?.found === 'blob' ? 'a file' : 'nothing';
      problems.push(`${name}: ${path} is not a submodule at ${ref.name} (${what} there)`);
    }
  });
  if (problems.length > 0) {
    const [first] = problems;
    throw new LockstepError('GIT', problems.length === 1 ? first! : `${problems.length} configured paths are not submodules at ${ref.name}`, {
      details: problems.length === 1 ? [] : problems,
      hint: `services.<name>.path in ${input.configFile} must name a submodule (a gitlink) of the orchestrator repository`,
    });
  }
  return commits;
}

/**
 * One error for all services that failed. Services failing for the same reason (a registry that is
 * down, credentials missing) share one line so that five hundred services do not print five hundred
 * copies of it.
 */
function aggregate(problems: Problem[], total: number): LockstepError {
  const byMessage = new Map<string, string[]>();
  for (const problem of problems) {
    const key = problem.message;
    byMessage.set(key, [...(byMessage.get(key) ?? []), problem.service]);
  }
  const details = [...byMessage.entries()].map(([message, services]) => {
    if (message.startsWith(`${services[0]}: `)) return message;
    const shown = services.length > 5 ? `${services.slice(0, 5).join(', ')} and ${services.length - 5} more` : services.join(', ');
    return `${shown}: ${message}`;
  });
  const code: ErrorCode = problems.some((problem) => problem.code === 'PROVENANCE')
    ? 'PROVENANCE'
    : problems.every((problem) => problem.code === 'NOT_FOUND')
      ? 'NOT_FOUND'
      : 'REGISTRY';
  const headline =
    code === 'NOT_FOUND'
      ? `${problems.length} of ${total} images not found in the registry`
      : `${problems.length} of ${total} services could not be locked`;
  return new LockstepError(code, headline, {
    details,
    ...(code === 'NOT_FOUND' ? { hint: 'build and push the missing images (tag per the config template), then generate again' } : {}),
  });
}
