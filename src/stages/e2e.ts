import type { EnvironmentConfig } from '../config/environments.js';
import type { LockstepConfig } from '../config/schema.js';
import { InputError } from '../errors.js';
import { stackTest, type StackTestResult } from './stackTest.js';

export interface E2eInput {
  environment: string;
  config: EnvironmentConfig;
  lockstep: LockstepConfig;
  configFile: string;
  reportDir: string;
  progress: (message: string) => void;
  signal?: AbortSignal;
}

/**
 * The stack stage's suites, run unchanged against a deployed compose environment: each suite in a
 * container on the environment's own network, so the addresses it gets (`GATEWAY_URL=http://gateway:8080`)
 * are the environment's services. Same JUnit XML, logs and summary.md as `lockstep stack test`.
 */
export async function runE2e(input: E2eInput): Promise<StackTestResult> {
  const target = input.config.target;
  if (target.type !== 'compose') {
    throw new InputError(input.configFile, `environments.${input.environment}.target`, `e2e runs the suites on the network of a compose environment; this one is ${target.type}`);
  }
  // Docker and compose of this run must address the environment's daemon, wherever the suites start.
  const env = { ...process.env, ...target.env, ...(target.dockerHost ? { DOCKER_HOST: target.dockerHost } : {}) };
  const previousHost = process.env.DOCKER_HOST;
  if (target.dockerHost) process.env.DOCKER_HOST = target.dockerHost;
  try {
    return await stackTest(
      { configFile: input.configFile, config: input.lockstep, project: target.project, suites: input.config.e2e?.suites, reportDir: input.reportDir, env },
      { progress: input.progress, signal: input.signal },
    );
  } finally {
    if (target.dockerHost) {
      if (previousHost === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = previousHost;
    }
  }
}
