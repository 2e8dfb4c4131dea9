import { dirname, resolve } from 'node:path';
import type { EnvironmentConfig } from '../config/environments.js';
import type { LockstepConfig } from '../config/schema.js';
import { InputError } from '../errors.js';
import { endpointAddresses } from '../stack/addresses.js';
import { planSuites, selectSuites } from '../stack/suites.js';
import { runSuites, stackTest, type StackTestResult } from './stackTest.js';

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
 * The stack stage's suites, run unchanged against a deployed environment, with the same JUnit XML,
 * logs and summary.md as `lockstep stack test`. A compose environment: each suite in a container on
 * the environment's own network, so `GATEWAY_URL=http://gateway:8080` is the environment's gateway.
 * Any other target (kubernetes, helm-values, ecs): against the endpoints its config names, given to
 * the suites as the same variables.
 */
export async function runE2e(input: E2eInput): Promise<StackTestResult> {
  const target = input.config.target;
  if (target.type !== 'compose') return runAgainstEndpoints(input);
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

async function runAgainstEndpoints(input: E2eInput): Promise<StackTestResult> {
  const endpoints = input.config.e2e?.endpoints;
  if (!endpoints || Object.keys(endpoints).length === 0) {
    throw new InputError(
      input.configFile,
      `environments.${input.environment}.e2e.endpoints`,
      `is needed for e2e against a ${input.config.target.type} environment: where the suites reach each service (gateway: https://...)`,
    );
  }
  const suites = selectSuites(planSuites(input.lockstep.stack.suites, process.env), input.config.e2e?.suites, input.configFile);
  input.progress(`e2e: ${suites.length} suite(s) against the endpoints of ${input.environment}: ${Object.entries(endpoints).map(([service, url]) => `${service} ${url}`).join(', ')}`);
  return runSuites(
    {
      project: `lockstep-e2e-${input.environment}`,
      suites,
      configDir: dirname(resolve(input.configFile)),
      addresses: endpointAddresses(endpoints),
      network: input.config.e2e?.network ?? 'bridge',
      reportDir: input.reportDir,
      // The Dagger module starts an engine for the suites alone when no Docker socket was given.
      ...(process.env.LOCKSTEP_SUITE_DOCKER_HOST ? { dockerHost: process.env.LOCKSTEP_SUITE_DOCKER_HOST } : {}),
    },
    { progress: input.progress, signal: input.signal },
  );
}
