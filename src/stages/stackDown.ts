import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComposeCommand } from '../compose/composeCommand.js';
import { runCompose } from '../compose/composeCommand.js';
import { countResources, listLabelledResources, removeResources } from '../compose/projectResources.js';
import { DockerApi } from '../docker/api.js';
import { resolveDockerHost } from '../docker/host.js';
import { LockstepError } from '../errors.js';
import { composeProjectLabel, suiteProjectLabel } from '../stack/project.js';

export interface StackDownInput {
  project: string;
  /** The compose file (absolute), or null when the config cannot say: then only the label sweep runs. */
  composeFile: string | null;
  /** The project's work dir (`stack up`'s override lives there); removed at the end. */
  workDir: string;
  /** Seconds compose gives each container to stop before killing it. */
  stopTimeoutSeconds?: number;
}

export interface StackDownDeps {
  /** Null when no compose is installed: the label sweep still removes everything. Used only when there is something to stop. */
  compose: () => Promise<ComposeCommand | null>;
  progress: (message: string) => void;
}

export interface StackDownResult {
  project: string;
  removed: { containers: number; networks: number; volumes: number };
  durationMs: number;
}

/**
 * `lockstep stack down`: compose down (containers, networks, volumes, orphans), then a sweep of
 * anything still labelled with the project (suite containers, leftovers of an older compose file, a
 * compose file that no longer parses), then a check that nothing is left. Safe to run when nothing runs.
 */
export async function stackDown(input: StackDownInput, deps: StackDownDeps): Promise<StackDownResult> {
  const started = Date.now();
  const api = new DockerApi(resolveDockerHost(undefined));
  const composeLabel = `${composeProjectLabel}=${input.project}`;
  const list = () => listLabelledResources(api, [composeLabel, `${suiteProjectLabel}=${input.project}`], composeLabel);
  // Finding compose runs beside the first list instead of after it.
  const [before, found] = await Promise.all([list(), deps.compose()]);
  const { composeFile, workDir } = input;
  const override = join(workDir, 'compose.override.yaml');
  const compose = countResources(before) > 0 ? found : null;
  if (compose && composeFile && existsSync(composeFile)) {
    deps.progress(`stack down: ${input.project}: stopping ${before.containers.length} containers`);
    const files = existsSync(override) ? [composeFile, override] : [composeFile];
    const downArgs = ['down', '--volumes', '--remove-orphans', '--timeout', String(input.stopTimeoutSeconds ?? 10)];
    const result = await runCompose(compose, { project: input.project, files, args: downArgs }, { allowFailure: true });
    if (result.exitCode !== 0) deps.progress(`stack down: compose down failed (${result.stderr.trim().split('\n').at(-1) ?? result.exitCode}); removing by label`);
  }
  let left = countResources(before) > 0 ? await list() : before;
  const problems: string[] = [];
  if (countResources(left) > 0) {
    problems.push(...(await removeResources(api, left)));
    left = await list();
  }
  await rm(workDir, { recursive: true, force: true });
  const leftCount = countResources(left);
  if (leftCount > 0) {
    throw new LockstepError('DOCKER', `stack down: ${leftCount} resources of ${input.project} could not be removed`, {
      details: [
        ...left.containers.map((id) => `container ${id.slice(0, 12)}`),
        ...left.networks.map((id) => `network ${id.slice(0, 12)}`),
        ...left.volumes.map((name) => `volume ${name}`),
        ...problems,
      ],
    });
  }
  return {
    project: input.project,
    removed: { containers: before.containers.length, networks: before.networks.length, volumes: before.volumes.length },
    durationMs: Date.now() - started,
  };
}
