import { dirname, join } from 'node:path';
import type { LockstepConfig } from '../config/schema.js';

/** A file the config names for the digest-only policy, and the config field that names it. */
export interface ConfiguredFile {
  path: string;
  field: string;
}

/**
 * What `lockstep policy digest-only` checks when given no paths: the files of this system that carry
 * image references (the stack's compose files, each compose environment's files, the committed lock),
 * taken from the config rather than from a walk, so test fixtures and vendored YAML elsewhere in the
 * repository neither fail nor pass the check. Paths are relative to the config file, as the config's are.
 */
export function configuredPolicyFiles(config: LockstepConfig, configFile: string): ConfiguredFile[] {
  const base = dirname(configFile);
  const files: ConfiguredFile[] = [
    { path: config.stack.composeFile, field: 'stack.composeFile' },
    ...config.stack.composeOverrides.map((path, index) => ({ path, field: `stack.composeOverrides[${index}]` })),
    { path: config.github.lockPath, field: 'github.lockPath' },
  ];
  for (const [name, environment] of Object.entries(config.environments)) {
    if (environment.target.type !== 'compose') continue;
    for (const [index, path] of (environment.target.composeFiles ?? []).entries()) {
      files.push({ path, field: `environments.${name}.target.composeFiles[${index}]` });
    }
  }
  return files.map((file) => ({ ...file, path: join(base, file.path) }));
}
