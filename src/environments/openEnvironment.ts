import { dirname, resolve } from 'node:path';
import type { EnvironmentConfig } from '../config/environments.js';
import { loadConfig } from '../config/load.js';
import type { LockstepConfig } from '../config/schema.js';
import { InputError, LockstepError } from '../errors.js';
import type { DeployTarget } from './target.js';
import { ComposeTarget } from './targets/compose/composeTarget.js';

/** An environment named on the command line, with its deploy target ready to use. */
export interface OpenEnvironment {
  name: string;
  config: EnvironmentConfig;
  target: DeployTarget;
  configFile: string;
  lockstep: LockstepConfig;
}

export function environmentConfig(lockstep: LockstepConfig, configFile: string, name: string): EnvironmentConfig {
  const found = lockstep.environments[name];
  if (found) return found;
  const known = Object.keys(lockstep.environments).sort().join(', ') || 'none';
  throw new InputError('--env', undefined, `no environment "${name}" in ${configFile} (defined: ${known})`);
}

export function createTarget(lockstep: LockstepConfig, configFile: string, name: string, env: NodeJS.ProcessEnv = process.env): DeployTarget {
  const config = environmentConfig(lockstep, configFile, name);
  const base = dirname(resolve(configFile));
  const target = config.target;
  switch (target.type) {
    case 'compose': {
      const files = (target.composeFiles ?? [lockstep.stack.composeFile]).map((file) => resolve(base, file));
      return new ComposeTarget({ config: target, health: config.health, files, projectDirectory: dirname(files[0]!), env });
    }
    case 'kubernetes':
    case 'helm-values':
      throw new LockstepError('BAD_INPUT', `${configFile}: environments.${name}.target: the ${target.type} target is not part of this build`);
  }
}

export async function openEnvironment(configFile: string, name: string, env: NodeJS.ProcessEnv = process.env): Promise<OpenEnvironment> {
  const lockstep = await loadConfig(configFile);
  const config = environmentConfig(lockstep, configFile, name);
  return { name, config, target: createTarget(lockstep, configFile, name, env), configFile, lockstep };
}
