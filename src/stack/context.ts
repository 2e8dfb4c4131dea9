import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ComposeGraph } from '../compose/graph.js';
import type { Environment } from '../compose/interpolate.js';
import { loadComposeGraph } from '../compose/loadGraph.js';
import type { LockstepConfig } from '../config/schema.js';
import { stackWorkDir } from './project.js';

/** A stack as every `stack` command sees it: the config's compose file read into its graph. */
export interface StackContext {
  configDir: string;
  /** Absolute path of the compose file. */
  composeFile: string;
  /** Absolute paths of every compose file in `-f` order: composeFile, then the overrides. */
  composeFiles: string[];
  /** Absolute path of the env file replacing the project's `.env`, or null. */
  envFile: string | null;
  /** The compose file as the config names it (relative to the config file), for messages and the plan. */
  composeFileName: string;
  graph: ComposeGraph;
  project: string;
  /** Where `stack up` writes its override for this project. */
  workDir: string;
  overrideFile: string;
}

export async function openStack(configFile: string, config: LockstepConfig, project: string, env: Environment = process.env): Promise<StackContext> {
  const configDir = dirname(resolve(configFile));
  const composeFile = resolve(configDir, config.stack.composeFile);
  const composeFileName = toPosix(relative(configDir, composeFile));
  const overrides = config.stack.composeOverrides.map((file) => resolve(configDir, file));
  const envFile = config.stack.envFile === undefined ? null : resolve(configDir, config.stack.envFile);
  const workDir = stackWorkDir(configDir, project);
  return {
    configDir,
    composeFile,
    composeFiles: [composeFile, ...overrides],
    envFile,
    composeFileName,
    graph: await loadComposeGraph(relativeForMessages(composeFile), env, {
      overrides: overrides.map(relativeForMessages),
      envFile: envFile === null ? null : relativeForMessages(envFile),
    }),
    project,
    workDir,
    overrideFile: join(workDir, 'compose.override.yaml'),
  };
}

/** Paths in messages read best relative to where the user stands. */
function relativeForMessages(file: string): string {
  const fromCwd = relative(process.cwd(), file);
  return fromCwd.startsWith('..') || isAbsolute(fromCwd) ? file : fromCwd;
}

export function toPosix(path: string): string {
  return path.split(sep).join('/');
}
