import { z } from 'zod';
import { environmentsConfig } from './environments.js';
import { githubConfig } from './github.js';
import { registryConfig, servicesConfig } from './services.js';
import { stackConfig } from './stack.js';

export const lockstepConfig = z
  .strictObject({
    apiVersion: z.literal('lockstep/v1'),
    kind: z.literal('Config'),
    repository: z
      .string()
      .min(1)
      .optional()
      .describe('The orchestrator repository name recorded in locks (owner/name); defaults to GITHUB_REPOSITORY or the directory name.'),
    registry: registryConfig.prefault({}),
    services: servicesConfig,
    stack: stackConfig.prefault({}),
    environments: environmentsConfig,
    github: githubConfig.prefault({}),
  })
  .describe('lockstep.config.yaml: the services of the system and how each stage treats them.');

export type LockstepConfig = z.output<typeof lockstepConfig>;
