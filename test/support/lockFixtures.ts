import { sealLock } from '../../src/lock/integrity.js';
import type { LockBody, LockedService, ReleaseLock } from '../../src/lock/schema.js';

export function hex(seed: string, length: number): string {
  let out = '';
  let n = 0;
  while (out.length < length) {
    for (const ch of `${seed}:${n}`) out += (ch.charCodeAt(0) % 16).toString(16);
    n += 1;
  }
  return out.slice(0, length);
}

export function service(name: string, overrides: Partial<LockedService> = {}): LockedService {
  const commit = overrides.commit ?? hex(`${name}-commit`, 40);
  return {
    commit,
    image: `localhost:5000/acme/${name}`,
    tag: `sha-${commit.slice(0, 7)}`,
    digest: `sha256:${hex(`${name}-digest`, 64)}`,
    builtAt: '2026-11-01T10:00:00Z',
    ...overrides,
  };
}

export function makeLock(services: Record<string, LockedService>, overrides: Partial<LockBody> = {}): ReleaseLock {
  return sealLock({
    apiVersion: 'lockstep/v1',
    kind: 'ReleaseLock',
    createdAt: '2026-11-21T12:00:00Z',
    source: { repository: 'acme/orchestrator', ref: 'refs/heads/dev', commit: hex('orchestrator', 40) },
    services,
    ...overrides,
  });
}
