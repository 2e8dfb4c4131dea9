import { z } from 'zod';

/**
 * Field rules shared by every part of the config, each written once: a path that stays inside the
 * repository, a variable name that cannot steer the programs lockstep runs, a URL without credentials.
 */

/** Relative, without a `..` segment: a config can name files inside its repository, nothing else. */
export const confinedPath = z
  .string()
  .min(1)
  .refine((value) => !value.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(value) && !value.split(/[\\/]/).includes('..'), 'must be a relative path inside the repository (no "..", not absolute)');

/**
 * Variables that decide which program runs, what it loads or which daemon it talks to. A config value
 * for one would let whoever edits the config run code as the deployer or redirect a deploy, so they are
 * refused wherever a config sets variables for a process lockstep starts.
 */
const steeringNames = new Set(['PATH', 'HOME', 'SHELL', 'ENV', 'BASH_ENV', 'IFS', 'NODE_OPTIONS', 'NODE_PATH', 'KUBECONFIG', 'TMPDIR', 'GIT_DIR', 'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_EXEC_PATH', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM', 'SSH_AUTH_SOCK']);
const steeringPrefixes = ['LD_', 'DYLD_', 'DOCKER_', 'COMPOSE_', 'GIT_CONFIG_', 'BUILDKIT_'];

export function steersProcess(name: string): boolean {
  const upper = name.toUpperCase();
  return steeringNames.has(upper) || steeringPrefixes.some((prefix) => upper.startsWith(prefix));
}

export const processEnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name')
  .refine((name) => !steersProcess(name), 'may not be set by the config: it steers the programs lockstep runs (PATH, LD_*, DOCKER_*, COMPOSE_* and the like)');

/** True when a URL carries a user name or password (`https://user:token@host`). */
export function hasUrlCredentials(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username !== '' || url.password !== '';
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]+@/i.test(value);
  }
}

export const noCredentialsInUrl = 'must not carry credentials: name an environment variable holding the token instead';

/** An http(s) URL without credentials in it. */
export const httpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an absolute http:// or https:// URL' })
  .refine((value) => !hasUrlCredentials(value), noCredentialsInUrl);

/** Keys that reach the prototype of a plain object when a map is read with `map[key]`. */
export const reservedKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
