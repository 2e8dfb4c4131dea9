// Real git repositories with real submodules, lockstep config files and a CLI runner for the lock tests.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'lockstep test',
  GIT_AUTHOR_EMAIL: 'test@lockstep.invalid',
  GIT_COMMITTER_NAME: 'lockstep test',
  GIT_COMMITTER_EMAIL: 'test@lockstep.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', ['-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args], { cwd, env: gitEnv });
  return stdout.trim();
}

const created: string[] = [];

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `lockstep-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Removes every directory tempDir made in this process (call from `after`). */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Commits a change to a file and returns the new commit. */
export async function commitFile(repo: string, file: string, content: string, message = `change ${file}`): Promise<string> {
  await writeFile(join(repo, file), content);
  await git(repo, 'add', file);
  await git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

/** A microservice repository with one commit. */
export async function serviceRepo(root: string, name: string): Promise<{ dir: string; commit: string }> {
  const dir = join(root, 'services-src', name);
  await mkdir(dir, { recursive: true });
  await git(dir, 'init', '-q');
  const commit = await commitFile(dir, 'main.txt', `${name} v1\n`, `${name}: first`);
  return { dir, commit };
}

/** The orchestrator: every service added as a real submodule under services/<name>, committed. */
export async function orchestratorRepo(root: string, services: Record<string, string>): Promise<{ dir: string; commit: string }> {
  const dir = join(root, 'orchestrator');
  await mkdir(dir, { recursive: true });
  await git(dir, 'init', '-q');
  for (const [name, source] of Object.entries(services)) {
    await git(dir, 'submodule', 'add', '-q', source, `services/${name}`);
  }
  await git(dir, 'commit', '-q', '-m', 'pin services');
  return { dir, commit: await git(dir, 'rev-parse', 'HEAD') };
}

/** Moves a submodule of the orchestrator to `commit` and commits the new gitlink. */
export async function pinSubmodule(orchestrator: string, path: string, commit: string): Promise<string> {
  const sub = join(orchestrator, path);
  await git(sub, 'fetch', '-q', 'origin');
  await git(sub, 'checkout', '-q', commit);
  await git(orchestrator, 'add', path);
  await git(orchestrator, 'commit', '-q', '-m', `pin ${path} at ${commit.slice(0, 7)}`);
  return git(orchestrator, 'rev-parse', 'HEAD');
}

export interface ConfigSpec {
  services: Record<string, { path: string; image: string; tag?: string }>;
  registry?: Record<string, unknown>;
  repository?: string;
}

/** Writes a lockstep config (JSON, which is YAML) and returns its path. */
export async function writeConfig(dir: string, spec: ConfigSpec, name = 'lockstep.config.yaml'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `${JSON.stringify({ apiVersion: 'lockstep/v1', kind: 'Config', ...spec }, null, 2)}\n`);
  return file;
}

export { runCli, type CliResult } from '../../support/cli.js';

/** An environment without any registry credentials from the developer's machine. */
export function cleanAuthEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, DOCKER_CONFIG: join(home, '.docker') };
  delete env.LOCKSTEP_REGISTRY_USERNAME;
  delete env.LOCKSTEP_REGISTRY_PASSWORD;
  delete env.LOCKSTEP_REGISTRY_AUTH_FILE;
  delete env.SOURCE_DATE_EPOCH;
  delete env.GITHUB_REPOSITORY;
  return env;
}
