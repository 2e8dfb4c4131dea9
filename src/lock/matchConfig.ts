import { InputError } from '../errors.js';
import type { ReleaseLock } from './schema.js';

/**
 * A release lock pins one whole system: exactly the services the config names. A lock with a service
 * the config does not know was made for another system (or the config lost one); a lock missing one
 * would leave that service on whatever version ran before, a mix no test has seen. Either is refused
 * before anything is read from a registry or changed in an environment.
 */
export function checkLockMatchesConfig(lockFile: string, lock: ReleaseLock, configFile: string, configured: readonly string[]): void {
  const locked = Object.keys(lock.services).sort();
  const known = [...configured].sort();
  const unknown = locked.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new InputError(
      lockFile,
      `services.${unknown[0]}`,
      `is not a service of ${configFile} (it configures ${known.join(', ')})${andMore('unknown too', unknown)}`,
    );
  }
  const missing = known.filter((name) => !locked.includes(name));
  if (missing.length > 0) {
    throw new InputError(lockFile, `services.${missing[0]}`, `is missing: ${configFile} configures it and a release lock pins every service${andMore('missing too', missing)}`);
  }
}

function andMore(what: string, names: string[]): string {
  return names.length > 1 ? `; ${what}: ${names.slice(1).join(', ')}` : '';
}
