import { defaultImages } from '../defaults.js';
import { resolve } from 'node:path';
import type { Environment } from '../compose/interpolate.js';
import type { StackSuite } from '../config/stack.js';
import { InputError } from '../errors.js';
import type { PlannedSuite } from './plan.js';
import type { ResolvedSuite } from './suiteInvocation.js';

export const defaultSuiteImage = defaultImages.node;

/** The suites with their defaults filled in: the image from LOCKSTEP_NODE_IMAGE when set, the timeout in ms. */
export function planSuites(suites: StackSuite[], env: Environment): PlannedSuite[] {
  return suites.map((suite) => ({
    name: suite.name,
    image: suite.image ?? (env.LOCKSTEP_NODE_IMAGE || defaultSuiteImage),
    command: suite.command,
    directory: suite.directory ?? null,
    env: suite.env,
    timeoutMs: durationToMs(suite.timeout),
  }));
}

/** Picks the suites named by `--suite` (all when none), in config order; an unknown name is bad input. */
export function selectSuites(suites: PlannedSuite[], names: string[] | undefined, configFile: string): PlannedSuite[] {
  if (suites.length === 0) throw new InputError(configFile, 'stack.suites', 'names no suite to run');
  if (!names) return suites;
  const unknown = names.filter((name) => !suites.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    throw new InputError('--suite', undefined, `no suite named ${unknown.join(', ')} in ${configFile} (it has ${suites.map((suite) => suite.name).join(', ')})`);
  }
  return suites.filter((suite) => names.includes(suite.name));
}

export function resolveSuite(suite: PlannedSuite, configDir: string): ResolvedSuite {
  return { ...suite, directory: suite.directory === null ? null : resolve(configDir, suite.directory) };
}

function durationToMs(text: string): number {
  const match = /^([0-9]+)(ms|s|m)$/.exec(text)!;
  const amount = Number(match[1]);
  return match[2] === 'ms' ? amount : match[2] === 's' ? amount * 1000 : amount * 60_000;
}
