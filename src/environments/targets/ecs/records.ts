import { gunzipSync, gzipSync } from 'node:zlib';
import type { RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { InputError } from '../../../errors.js';
import { validate } from '../../../io/readDocument.js';
import { lockId } from '../../../lock/integrity.js';
import { checkIntegrity } from '../../../lock/read.js';
import { releaseLock, type ReleaseLock } from '../../../lock/schema.js';
import { serializeLockJson } from '../../../lock/serialize.js';

/**
 * What lockstep writes into ECS, as pure builders and readers: the tags naming the lock a task
 * definition revision was registered for, the next revision of a service's task definition, and the
 * revision of the record family that holds the deployed lock itself.
 */

export const tagKeys = {
  lockIntegrity: 'lockstep:lock-integrity',
  lockId: 'lockstep:lock-id',
  environment: 'lockstep:environment',
} as const;

/** The docker label of the record family's one container that carries the lock (gzip, base64). */
export const recordLabel = 'dev.lockstep.lock';

export function recordFamilyName(environment: string, configured?: string): string {
  return configured ?? `lockstep-${environment}-lock`;
}

/** A task definition revision as DescribeTaskDefinition returns it, with the tags asked for beside it. */
export interface TaskDefinitionWithTags {
  taskDefinition: TaskDefinition;
  tags: Tag[];
}

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | null {
  return tags?.find((tag) => tag.key === key)?.value ?? null;
}

/**
 * The running revision's tags with lockstep's own replaced: a team's cost or owner tags carry over.
 * Tags AWS itself sets (`aws:cloudformation:stack-name` on revisions a stack registered) are left out:
 * their prefix is reserved, and a register that names them is refused.
 */
export function lockTags(tags: readonly Tag[], lock: Pick<ReleaseLock, 'integrity'> | null): Tag[] {
  const ours = new Set<string>([tagKeys.lockIntegrity, tagKeys.lockId]);
  const kept = tags.filter((tag) => tag.key !== undefined && !ours.has(tag.key) && !tag.key.toLowerCase().startsWith('aws:'));
  if (lock === null) return kept;
  return [...kept, { key: tagKeys.lockIntegrity, value: lock.integrity }, { key: tagKeys.lockId, value: lockId(lock) }];
}

/**
 * The next revision of a running task definition: every field copied, the named containers' images
 * replaced, and the fields DescribeTaskDefinition returns but RegisterTaskDefinition refuses (the
 * revision's identity, status and registration facts that ECS assigns) left out.
 */
export function nextRevision(running: TaskDefinitionWithTags, images: Readonly<Record<string, string>>, lock: Pick<ReleaseLock, 'integrity'> | null): RegisterTaskDefinitionCommandInput {
  const {
    taskDefinitionArn: _arn,
    revision: _revision,
    status: _status,
    requiresAttributes: _requiresAttributes,
    compatibilities: _compatibilities,
    registeredAt: _registeredAt,
    registeredBy: _registeredBy,
    deregisteredAt: _deregisteredAt,
    deleteRequestedAt: _deleteRequestedAt,
    family,
    containerDefinitions,
    ...copied
  } = running.taskDefinition;
  const names = new Set((containerDefinitions ?? []).map((container) => container.name));
  const unknown = Object.keys(images).filter((name) => !names.has(name));
  if (unknown.length > 0) throw new Error(`task definition ${running.taskDefinition.taskDefinitionArn} has no container ${unknown.join(', ')}`);
  const tags = lockTags(running.tags, lock);
  return {
    ...copied,
    family,
    containerDefinitions: (containerDefinitions ?? []).map((container) => (container.name !== undefined && images[container.name] !== undefined ? { ...container, image: images[container.name] } : container)),
    ...(tags.length > 0 ? { tags } : {}),
  };
}

/**
 * A revision of the record family: one container that never runs, whose label holds the lock. ECS has
 * no key-value store of its own; a task definition family is versioned, immutable per revision, tagged,
 * and readable with the same ECS permissions the deploy already needs, so each deploy is one revision
 * and the latest active one is the lock the environment records.
 */
export function recordRevision(family: string, environment: string, lock: ReleaseLock): RegisterTaskDefinitionCommandInput {
  return {
    family,
    containerDefinitions: [
      {
        name: 'lock',
        // Never started: ECS only needs a syntactically valid reference to register the revision.
        image: 'lockstep-record',
        essential: true,
        memory: 16,
        dockerLabels: { [recordLabel]: gzipSync(serializeLockJson(lock)).toString('base64') },
      },
    ],
    tags: [
      { key: tagKeys.environment, value: environment },
      { key: tagKeys.lockIntegrity, value: lock.integrity },
      { key: tagKeys.lockId, value: lockId(lock) },
    ],
  };
}

/** The recorded lock, checked like a lock file: a record someone edited is refused, not trusted. */
export function lockFromRecord(taskDefinition: TaskDefinition): ReleaseLock {
  const where = `task definition ${taskDefinition.taskDefinitionArn ?? taskDefinition.family ?? '(record)'}`;
  const encoded = taskDefinition.containerDefinitions?.[0]?.dockerLabels?.[recordLabel];
  if (encoded === undefined) throw new InputError(where, `containerDefinitions[0].dockerLabels.${recordLabel}`, 'is missing');
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8'));
  } catch {
    throw new InputError(where, `containerDefinitions[0].dockerLabels.${recordLabel}`, 'is not a gzipped, base64-encoded lock');
  }
  const lock = validate(where, releaseLock, parsed);
  checkIntegrity(where, lock);
  return lock;
}
