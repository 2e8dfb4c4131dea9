import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { run, type RunOptions, type RunResult } from '../exec/run.js';
import { writeAtomic } from '../io/writeAtomic.js';
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
  const reasons: string[] = [];
  for (const candidate of candidates) {
    const cache = candidate.version === 1 ? await versionCache(candidate.program, env) : undefined;
    const cached = cache ? await readFile(cache, 'utf8').catch(() => undefined) : undefined;
    if (cached) return { ...candidate, versionText: cached.trim() };
    const command = [candidate.program, ...candidate.prefix].join(' ');
    const result = await run(candidate.program, [...candidate.prefix, 'version', '--short'], { allowFailure: true, timeoutMs: 60_000, env }).catch(
      (error: Error) => error,
    );
    if (!(result instanceof Error) && result.exitCode === 0) {
      const versionText = result.stdout.trim();
      if (cache) await writeAtomic(cache, `${versionText}\n`).catch(() => undefined);
      return { ...candidate, versionText };
    }
    // A compose that is installed but too slow to answer (a loaded machine) must not be reported as missing.
    reasons.push(`${command}: ${result instanceof Error ? result.message : `version --short exited with ${result.exitCode}`}`);
  }
  throw new LockstepError('COMPOSE', 'neither `docker compose` (v2) nor `docker-compose` (v1) is usable', {
    details: reasons,
    hint: 'install the Docker Compose plugin, or Debian\'s docker-compose package',
  });
}

/**
 * `docker-compose version` (v1) is a Python program taking up to seconds to start on a busy machine,
 * once per lockstep command. Its answer is cached per installed binary: the file name is a hash of the
 * binary's resolved path, size and modification time, so an upgrade is probed afresh. Undefined when
 * the binary is not on PATH or there is no home to cache in.
 */
async function versionCache(program: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const cacheRoot = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  if (!cacheRoot) return undefined;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      const binary = await realpath(join(dir, program));
      const info = await stat(binary);
      if (!info.isFile()) continue;
      const key = createHash('sha256').update(`${binary}\0${info.size}\0${info.mtimeMs}`).digest('hex').slice(0, 24);
      return join(cacheRoot, 'lockstep', `compose-version-${key}`);
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Runs compose with an argument array; `project`, `files` and `envFile` become -p / -f / --env-file. */
export async function runCompose(
  compose: ComposeCommand,
  invocation: { project: string; files: string[]; args: string[]; projectDirectory?: string; envFile?: string | null },
  options: RunOptions = {},
): Promise<RunResult> {
  const args = [
    ...compose.prefix,
    '--project-name',
    invocation.project,
    ...(invocation.projectDirectory ? ['--project-directory', invocation.projectDirectory] : []),
    ...invocation.files.flatMap((file) => ['--file', file]),
    ...(invocation.envFile ? ['--env-file', invocation.envFile] : []),
    ...invocation.args,
  ];
  return run(compose.program, args, { errorCode: 'COMPOSE', ...options });
}
