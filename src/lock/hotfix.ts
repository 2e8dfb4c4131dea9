import { InputError } from '../errors.js';
import type { LockedService, ReleaseLock } from './schema.js';

/** Checks `--only` against the base lock and the config before anything is resolved. */
export function checkHotfixServices(baseFile: string, base: ReleaseLock, only: readonly string[], configured: readonly string[]): string[] {
  const unique = [...new Set(only)].sort();
  for (const name of unique) {
    if (!(name in base.services)) throw new InputError('--only', undefined, `${name} is not a service of the base lock ${baseFile}`);
    if (!configured.includes(name)) throw new InputError('--only', undefined, `${name} is not a configured service`);
  }
  return unique;
}

/**
 * A hotfix lock's services: the base lock's entries, untouched, except the named services, which take
 * their freshly resolved entries. The hotfix field records the base and the services that changed hands.
 */
export function hotfixServices(base: ReleaseLock, resolved: Record<string, LockedService>): {
  services: Record<string, LockedService>;
  hotfix: { baseIntegrity: string; services: string[] };
} {
  const services: Record<string, LockedService> = structuredClone(base.services);
  for (const [name, service] of Object.entries(resolved)) services[name] = service;
  return { services, hotfix: { baseIntegrity: base.integrity, services: Object.keys(resolved).sort() } };
}
