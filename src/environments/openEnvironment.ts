import { defaultTokenEnv } from '../defaults.js';
import { dirname, join, resolve } from 'node:path';
import type { EnvironmentConfig } from '../config/environments.js';
import { loadConfig } from '../config/load.js';
import type { LockstepConfig } from '../config/schema.js';
import { InputError } from '../errors.js';
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

/**
 * The deploy target of an environment. The kubernetes, helm-values and ecs targets are imported only when
 * used: their client libraries would otherwise slow down every compose command's start.
 */
export async function createTarget(lockstep: LockstepConfig, configFile: string, name: string, env: NodeJS.ProcessEnv = process.env): Promise<DeployTarget> {
  const config = environmentConfig(lockstep, configFile, name);
  const baseDir = dirname(resolve(configFile));
  const services = Object.keys(lockstep.services).sort();
  const target = config.target;
  switch (target.type) {
    case 'compose': {
      const files = (target.composeFiles ?? [lockstep.stack.composeFile]).map((file) => resolve(baseDir, file));
      const workDir = join(baseDir, '.lockstep', 'environments', target.project);
      return new ComposeTarget({ config: target, health: config.health, files, projectDirectory: dirname(files[0] ?? configFile), workDir, env });
    }
    case 'kubernetes': {
      const { createKubernetesTarget } = await import('./targets/kubernetes/kubernetesTarget.js');
      return createKubernetesTarget({ name, target, health: config.health, services, configFile, baseDir });
    }
    case 'helm-values': {
      const { createHelmValuesTarget } = await import('./targets/helmValues/helmValuesTarget.js');
      const { githubRepositoryOf } = await import('./targets/helmValues/openProposal.js');
      const { connectGitHub } = await import('../github/connect.js');
      const field = `environments.${name}.target.githubRepository`;
      const github = () => {
        const [owner, repo] = target.githubRepository?.split('/') ?? [];
        const repository = owner && repo ? { owner, repo } : githubRepositoryOf(target.repository);
        if (!repository) throw new InputError(configFile, field, `is needed in pull-request mode: ${target.repository} is not a github.com URL`);
        return connectGitHub({ tokenEnv: target.tokenEnv ?? defaultTokenEnv, config: lockstep.github, configFile, env, repository });
      };
      return createHelmValuesTarget({ name, target, health: config.health, services, configFile, baseDir }, { env, github, labels: lockstep.github.labels });
    }
    case 'ecs': {
      const { createEcsTarget } = await import('./targets/ecs/ecsTarget.js');
      return createEcsTarget({ name, target, health: config.health, services });
    }
  }
}

export async function openEnvironment(configFile: string, name: string, env: NodeJS.ProcessEnv = process.env): Promise<OpenEnvironment> {
  const lockstep = await loadConfig(configFile);
  const config = environmentConfig(lockstep, configFile, name);
  return { name, config, target: await createTarget(lockstep, configFile, name, env), configFile, lockstep };
}
