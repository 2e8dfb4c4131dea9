import { V1MicroTime, type V1ConfigMap, type V1Lease } from '@kubernetes/client-node';
import { InputError } from '../../../errors.js';
import { parseYamlText, validate } from '../../../io/readDocument.js';
import { lockId } from '../../../lock/integrity.js';
import { checkIntegrity } from '../../../lock/read.js';
import { releaseLock, type ReleaseLock } from '../../../lock/schema.js';
import { serializeLock } from '../../../lock/serialize.js';
import type { Lease } from '../../target.js';

/**
 * What lockstep writes into a cluster, as pure builders and readers: the annotations on each Deployment,
 * the ConfigMap holding the deployed lock, the Lease that keeps two deploys apart, and the patch that
 * sets one container's image.
 */

export const annotations = {
  lockIntegrity: 'lockstep.dev/lock-integrity',
  lockId: 'lockstep.dev/lock-id',
} as const;

export const fieldManager = 'lockstep';
const managedBy = { 'app.kubernetes.io/managed-by': 'lockstep' };
const lockKey = 'lock.yaml';

export function lockConfigMapName(environment: string): string {
  return `lockstep-${environment}-lock`;
}

export function leaseName(environment: string): string {
  return `lockstep-${environment}`;
}

export function lockConfigMap(environment: string, namespace: string, lock: ReleaseLock, resourceVersion?: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: lockConfigMapName(environment),
      namespace,
      labels: { ...managedBy, 'lockstep.dev/environment': environment },
      annotations: { [annotations.lockIntegrity]: lock.integrity, [annotations.lockId]: lockId(lock) },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    data: { [lockKey]: serializeLock(lock) },
  };
}

/** The recorded lock, checked like a lock file: a record someone edited is refused, not trusted. */
export function lockFromConfigMap(configMap: V1ConfigMap): ReleaseLock {
  const where = `configmap ${configMap.metadata?.namespace ?? ''}/${configMap.metadata?.name ?? ''}`;
  const text = configMap.data?.[lockKey];
  if (text === undefined) throw new InputError(where, `data.${lockKey}`, 'is missing');
  const lock = validate(where, releaseLock, parseYamlText(where, text));
  checkIntegrity(where, lock);
  return lock;
}

/**
 * A strategic merge patch: containers merge by name, so only the named container's image changes and
 * nothing else in the pod template is touched. A null annotation removes it.
 */
export function imagePatch(container: string, image: string, integrity: string | null, id: string | null, initContainers: string[] = []): object {
  const init = initContainers.length > 0 ? { initContainers: initContainers.map((name) => ({ name, image })) } : {};
  return {
    metadata: { annotations: { [annotations.lockIntegrity]: integrity, [annotations.lockId]: id } },
    spec: { template: { spec: { containers: [{ name: container, image }], ...init } } },
  };
}

/** The Lease as the deploy contract sees it; null when nobody holds it (released, or never taken). */
export function leaseFromObject(object: V1Lease): Lease | null {
  const spec = object.spec;
  if (!spec?.holderIdentity) return null;
  const renewed = toDate(spec.renewTime ?? spec.acquireTime);
  const acquired = toDate(spec.acquireTime ?? spec.renewTime);
  const seconds = spec.leaseDurationSeconds;
  return {
    holder: spec.holderIdentity,
    acquiredAt: acquired ? acquired.toISOString() : 'unknown',
    expiresAt: renewed && typeof seconds === 'number' ? new Date(renewed.getTime() + seconds * 1000).toISOString() : 'unknown',
  };
}

export function leaseObject(environment: string, namespace: string, lease: Lease, transitions: number, resourceVersion?: string): V1Lease {
  const acquired = new Date(lease.acquiredAt);
  const seconds = Math.max(1, Math.ceil((Date.parse(lease.expiresAt) - acquired.getTime()) / 1000));
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: leaseName(environment), namespace, labels: managedBy, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: {
      holderIdentity: lease.holder,
      // MicroTime is serialized with exactly six fractional digits; a plain Date's three are refused.
      acquireTime: new V1MicroTime(acquired),
      renewTime: new V1MicroTime(acquired),
      leaseDurationSeconds: seconds,
      leaseTransitions: transitions,
    },
  };
}

function toDate(value: Date | string | undefined): Date | null {
  if (value === undefined) return null;
  // A plain Date: V1MicroTime prints six fractional digits, the contract's timestamps have three.
  const date = new Date(value instanceof Date ? value.getTime() : value);
  return Number.isNaN(date.getTime()) ? null : date;
}
