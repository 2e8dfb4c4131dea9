import { run, type RunOptions, type RunResult } from '../exec/run.js';
import { LockstepError } from '../errors.js';

/** How compose is invoked here: the v2 plugin (`docker compose`) or the v1 binary (`docker-compose`). */
export interface ComposeCommand {
  program: string;
  /** Arguments that come before compose's own (`compose` for the plugin). */
  prefix: string[];
  version: 1 | 2;
  /** The full version string compose reported, for messages and reports. */
  versionText: string;
}

let detected: Promise<ComposeCommand> | undefined;

/**
 * Prefers `docker compose` (v2) and falls back to `docker-compose` (v1, the only compose Debian
 * bookworm packages). LOCKSTEP_COMPOSE=v1|v2 forces one, for testing both paths on one machine.
 */
export function detectCompose(env: NodeJS.ProcessEnv = process.env): Promise<ComposeCommand> {
  detected ??= probe(env);
  return detected;
}

async function probe(env: NodeJS.ProcessEnv): Promise<ComposeCommand> {
  const forced = env.LOCKSTEP_COMPOSE;
  const candidates: Array<Omit<ComposeCommand, 'versionText'>> = [
    { program: 'docker', prefix: ['compose'], version: 2 },
    { program: 'docker-compose', prefix: [], version: 1 },
  ].filter((candidate) => !forced || forced === `v${candidate.version}`) as Array<Omit<ComposeCommand, 'versionText'>>;
  for (const candidate of candidates) {
    const result = await run(candidate.program, [...candidate.prefix, 'version', '--short'], { allowFailure: true, timeoutMs: 15_000 }).catch(
      () => undefined,
    );
    if (result && result.exitCode === 0) return { ...candidate, versionText: result.stdout.trim() };
  }
  throw new LockstepError('COMPOSE', 'neither `docker compose` (v2) nor `docker-compose` (v1) is installed', {
    hint: 'install the Docker Compose plugin, or Debian\'s docker-compose package',
  });
}

/** Runs compose with an argument array; `project` and `files` become -p / -f. */
export async function runCompose(
  compose: ComposeCommand,
  invocation: { project: string; files: string[]; args: string[]; projectDirectory?: string },
  options: RunOptions = {},
): Promise<RunResult> {
  const args = [
    ...compose.prefix,
    '--project-name',
    invocation.project,
    ...(invocation.projectDirectory ? ['--project-directory', invocation.projectDirectory] : []),
    ...invocation.files.flatMap((file) => ['--file', file]),
    ...invocation.args,
  ];
  return run(compose.program, args, { errorCode: 'COMPOSE', ...options });
}
