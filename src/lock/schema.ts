import { z } from 'zod';

/** A git commit as git prints it: 40 lower-case hex digits (SHA-1 object names). */
export const commitSha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-hex-digit git commit');

/** An OCI content digest; lockstep only accepts sha256, written in lower case as registries return it. */
export const ociDigest = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256: followed by 64 lower-case hex digits');

/** A DNS label (RFC 1123): usable as a compose service, a Kubernetes name and a file name alike. */
export const serviceName = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'must be a DNS label: lower-case letters, digits and "-", at most 63 characters',
  );

// The grammar of distribution/reference, without tag or digest: a repository only.
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
export const imageRepositoryPattern = new RegExp(`^(?:${domain}/)?${pathComponent}(?:/${pathComponent})*$`);

export const imageRepository = z
  .string()
  .max(255)
  .refine((value) => !value.includes('@'), 'must be a repository without a digest (drop "@sha256:...")')
  .refine((value) => !(value.split('/').at(-1) ?? '').includes(':'), 'must be a repository without a tag (drop ":<tag>")')
  .refine((value) => imageRepositoryPattern.test(value), 'is not a valid image repository name');

export const imageTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a valid image tag (letters, digits, "_", ".", "-"; at most 128)');

const semver = z
  .string()
  .regex(
    /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/,
    'must be a semantic version such as 1.4.2',
  );

/** RFC 3339 in UTC with a Z suffix, as lockstep writes it. */
export const utcTimestamp = z.iso.datetime({ offset: false, message: 'must be an RFC 3339 UTC timestamp such as 2026-01-31T12:00:00Z' });

export const lockedService = z
  .strictObject({
    commit: commitSha.describe('The microservice commit pinned by the orchestrator (the submodule gitlink).'),
    image: imageRepository.describe('The image repository, without tag or digest.'),
    tag: imageTag.describe('The tag the digest was resolved from; kept for people, never deployed.'),
    digest: ociDigest.describe('The OCI digest that is deployed: image@digest.'),
    builtAt: z
      .union([z.iso.datetime({ offset: true }), z.null()])
      .describe('The image config `created` time, or null when the image does not record it.'),
    version: semver.optional().describe('The service version (semver), when the image or its CI publishes one.'),
  })
  .describe('One microservice, pinned.');

export const lockSource = z
  .strictObject({
    repository: z.string().min(1).max(512).describe('The orchestrator repository (owner/name or a path).'),
    ref: z.string().min(1).max(256).describe('The ref the lock was generated from.'),
    commit: commitSha.describe('The orchestrator commit the ref pointed at.'),
    pullRequest: z.number().int().positive().optional().describe('The pull request the lock was generated for.'),
  })
  .describe('Where the lock came from.');

export const hotfixInfo = z
  .strictObject({
    baseIntegrity: ociDigest.describe('Integrity of the lock this hotfix starts from.'),
    services: z.array(serviceName).min(1).describe('The services re-resolved for the hotfix; all others are copied from the base.'),
  })
  .describe('Present on hotfix locks only.');

export const lockServices = z
  .record(serviceName, lockedService)
  .refine((services) => Object.keys(services).length > 0, 'must name at least one service')
  .describe('Every microservice of the release, by name.');

export const lockBody = z.strictObject({
  apiVersion: z.literal('lockstep/v1'),
  kind: z.literal('ReleaseLock'),
  createdAt: utcTimestamp.describe('When the lock was generated (RFC 3339, UTC).'),
  source: lockSource,
  hotfix: hotfixInfo.optional(),
  services: lockServices,
});

export const releaseLock = lockBody
  .extend({
    integrity: ociDigest.describe('sha256 over the canonical JSON of every other field; any edit breaks it.'),
  })
  .describe('A release lock: the exact microservice commits and image digests that move together from staging to production.');

export type LockedService = z.output<typeof lockedService>;
export type LockBody = z.output<typeof lockBody>;
export type ReleaseLock = z.output<typeof releaseLock>;
