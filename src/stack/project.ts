import { basename, join } from 'node:path';
import type { ComposeGraph } from '../compose/graph.js';
import { InputError } from '../errors.js';

/**
 * A compose project name both compose v1 and v2 keep verbatim (v1 strips other characters, v2 refuses
 * them), so `<project>_default` names the stack network for either.
 */
const projectNamePattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function checkProjectName(name: string, source = '--project'): string {
  if (!projectNamePattern.test(name)) {
    throw new InputError(source, undefined, `"${name}" is not a usable project name: lower-case letters, digits, "-" and "_", starting with a letter or digit, at most 63`);
  }
  return name;
}

/** `lockstep-<folder of the config>`, so two checkouts on one machine do not share a stack by accident. */
export function defaultProjectName(configDir: string): string {
  const folder = basename(configDir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  return `lockstep-${folder || 'stack'}`.slice(0, 63).replace(/[-_]+$/, '');
}

/** Where `stack up` keeps what it generated for a project (override, state) for `stack test` and `stack down`. */
export function stackWorkDir(configDir: string, project: string): string {
  return join(configDir, '.lockstep', 'stack', project);
}

export function stackNetwork(project: string): string {
  return `${project}_default`;
}

/**
 * The network suites join: the project's default one when a service is on it, else the network most
 * services share (a file with only custom networks, such as a front and a back tier, has no default
 * network). Named as compose names it: its `name:`, else `<project>_<key>`.
 */
export function suiteNetwork(project: string, graph: ComposeGraph): string {
  const users = new Map<string, number>();
  for (const service of Object.values(graph.services)) {
    for (const key of Object.keys(service.networks)) users.set(key, (users.get(key) ?? 0) + 1);
  }
  if (users.has('default') || users.size === 0) return stackNetwork(project);
  const [key] = [...users].sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : 1))[0]!;
  return graph.networks[key]?.name ?? `${project}_${key}`;
}

/** Compose labels every container, network and volume of a project with this. */
export const composeProjectLabel = 'com.docker.compose.project';
/** lockstep labels the suite containers it starts (compose does not know them). */
export const suiteProjectLabel = 'dev.lockstep.stack.project';
