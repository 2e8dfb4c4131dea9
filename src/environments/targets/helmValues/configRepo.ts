import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { InputError, LockstepError } from '../../../errors.js';
import { run, type RunOptions, type RunResult } from '../../../exec/run.js';
import { credentialInUrl, redactUrls } from '../../../git/urlCredentials.js';

/**
 * The GitOps config repository, reached through a private bare clone so that no working tree (least of
 * all the user's) is ever checked out or touched. Files are read from commits and new commits are built
 * with a throwaway index (`read-tree`, `update-index`, `write-tree`, `commit-tree`): plumbing, so the
 * result depends only on the inputs. Pushes that must not overwrite anything use --force-with-lease
 * with the value read, which the receiving side checks atomically.
 */

export interface ConfigRepoOptions {
  /** A git URL, or a path (relative to `baseDir`) to a repository. */
  repository: string;
  baseDir: string;
  /**
   * Where the bare clone lives (created on first use, fetched into afterwards). It must belong to this
   * user and be closed to others. Without it, each run clones into a fresh private folder (mkdtemp,
   * mode 0700) removed when the process exits: never a shared, predictable path another user could plant.
   */
  workDir?: string;
  /** Names a variable holding an HTTPS token; it reaches git through its environment, never argv. */
  tokenEnv?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RepoFile {
  content: string;
  mode: string;
}

const emptyTree = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export class ConfigRepo {
  readonly remote: string;
  readonly workDir: string;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(remote: string, workDir: string, env: NodeJS.ProcessEnv) {
    this.remote = remote;
    this.workDir = workDir;
    this.env = env;
  }

  static async open(options: ConfigRepoOptions): Promise<ConfigRepo> {
    const remote = remoteOf(options.repository, options.baseDir);
    const base = options.env ?? process.env;
    const env: NodeJS.ProcessEnv = {
      ...base,
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: base.GIT_AUTHOR_NAME ?? 'lockstep',
      GIT_AUTHOR_EMAIL: base.GIT_AUTHOR_EMAIL ?? 'lockstep@localhost',
      GIT_COMMITTER_NAME: base.GIT_COMMITTER_NAME ?? 'lockstep',
      GIT_COMMITTER_EMAIL: base.GIT_COMMITTER_EMAIL ?? 'lockstep@localhost',
    };
    if (options.tokenEnv) {
      const token = base[options.tokenEnv];
      if (!token) throw new InputError(`$${options.tokenEnv}`, undefined, 'is not set; it must hold the token for the config repository');
      const header = `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
      Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: header });
    }
    const workDir = options.workDir ?? (await privateWorkDir());
    if (options.workDir) await checkPrivate(options.workDir);
    const repo = new ConfigRepo(remote, workDir, env);
    const exists = await stat(join(workDir, 'HEAD')).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(workDir, { recursive: true, mode: 0o700 });
      await repo.git(['init', '--quiet', '--bare', workDir], { cwd: workDir });
      await repo.git(['remote', 'add', 'origin', remote]);
    } else {
      await repo.git(['remote', 'set-url', 'origin', remote]);
    }
    return repo;
  }

  /** The commit a remote ref points at, or null when it does not exist. */
  async remoteRef(ref: string): Promise<string | null> {
    const listed = await this.git(['ls-remote', '--quiet', 'origin', ref]);
    const line = listed.stdout.split('\n').find((entry) => entry.endsWith(`\t${ref}`));
    return line ? line.slice(0, 40) : null;
  }

  /** Fetches a remote ref into the same name locally; returns its commit, or null when it does not exist. */
  async fetchRef(ref: string): Promise<string | null> {
    const commit = await this.remoteRef(ref);
    if (commit === null) return null;
    await this.git(['fetch', '--quiet', '--no-tags', 'origin', `+${ref}:${ref}`]);
    return commit;
  }

  fetchBranch(branch: string): Promise<string | null> {
    return this.fetchRef(`refs/heads/${branch}`);
  }

  async readFile(commit: string, path: string): Promise<RepoFile | null> {
    const listed = (await this.git(['ls-tree', commit, '--', path])).stdout.trim();
    const [, mode, blobId] = /^(\d{6}) blob ([0-9a-f]{40})\t/.exec(listed) ?? [];
    if (mode === undefined || blobId === undefined) return null;
    const blob = await this.git(['cat-file', 'blob', blobId]);
    return { content: blob.stdout, mode };
  }

  async treeOf(commit: string): Promise<string> {
    return (await this.git(['rev-parse', `${commit}^{tree}`])).stdout.trim();
  }

  async message(commit: string): Promise<string> {
    return (await this.git(['log', '-1', '--format=%B', commit])).stdout;
  }

  /**
   * A commit on `base` with `files` written (modes kept for files that exist). When nothing differs the
   * base itself is returned with `changed: false`, so a rerun commits nothing.
   */
  async commitFiles(base: string, files: Record<string, string>, message: string): Promise<{ commit: string; tree: string; changed: boolean }> {
    const index = join(this.workDir, `lockstep-index-${process.pid}-${randomBytes(4).toString('hex')}`);
    const env = { ...this.env, GIT_INDEX_FILE: index };
    try {
      await this.git(['read-tree', base], { env });
      for (const [path, content] of Object.entries(files)) {
        const blob = (await this.git(['hash-object', '-w', '--stdin'], { input: content })).stdout.trim();
        const mode = (await this.readMode(base, path)) ?? '100644';
        await this.git(['update-index', '--add', '--cacheinfo', `${mode},${blob},${path}`], { env });
      }
      const tree = (await this.git(['write-tree'], { env })).stdout.trim();
      if (tree === (await this.treeOf(base))) return { commit: base, tree, changed: false };
      const commit = (await this.git(['commit-tree', tree, '-p', base, '-F', '-'], { input: message })).stdout.trim();
      return { commit, tree, changed: true };
    } finally {
      await rm(index, { force: true });
    }
  }

  /**
   * `git revert` of `commit` on top of `head`: a three-way merge, so changes made to the same files
   * after `commit` (a teammate's `replicas: 5`) stay. Runs in a throwaway worktree of the private clone;
   * on a conflict nothing is committed and the conflicting paths are returned.
   */
  async revert(head: string, commit: string, message: string): Promise<{ commit: string; changed: boolean } | { conflicts: string[] }> {
    const tree = join(this.workDir, `lockstep-revert-${process.pid}-${randomBytes(4).toString('hex')}`);
    await this.git(['worktree', 'add', '--quiet', '--detach', tree, head]);
    const inTree = (args: string[], options: RunOptions = {}) =>
      run('git', ['-C', tree, ...args], { errorCode: 'GIT', timeoutMs: 120_000, env: this.env, ...options });
    try {
      const reverted = await inTree(['revert', '--no-commit', commit], { allowFailure: true });
      if (reverted.exitCode !== 0) {
        const unmerged = (await inTree(['diff', '--name-only', '--diff-filter=U'])).stdout.trim();
        if (unmerged) return { conflicts: unmerged.split('\n') };
        throw new LockstepError('GIT', `git revert ${commit.slice(0, 7)} failed`, { details: redactUrls(reverted.stderr).trim().split('\n').slice(-5) });
      }
      if ((await inTree(['diff', '--cached', '--quiet'], { allowFailure: true })).exitCode === 0) return { commit: head, changed: false };
      await inTree(['commit', '--quiet', '--no-verify', '-F', '-'], { input: message });
      return { commit: (await inTree(['rev-parse', 'HEAD'])).stdout.trim(), changed: true };
    } finally {
      await this.git(['worktree', 'remove', '--force', tree], { allowFailure: true });
      await rm(tree, { recursive: true, force: true });
    }
  }

  /** Whether `descendant` contains `ancestor` (both must have been fetched). */
  async contains(descendant: string, ancestor: string): Promise<boolean> {
    if (descendant === ancestor) return true;
    return (await this.git(['merge-base', '--is-ancestor', ancestor, descendant], { allowFailure: true })).exitCode === 0;
  }

  /** The newest commit reachable from `head` that changed `path` and whose message has `text`, or null. */
  async lastCommitWith(head: string, path: string, text: string): Promise<string | null> {
    const found = await this.git(['log', '-n', '1', '--format=%H', '--fixed-strings', `--grep=${text}`, head, '--', path]);
    return found.stdout.trim() || null;
  }

  /** A commit with no files, carrying only a message (the lease record). */
  async messageCommit(message: string): Promise<string> {
    return (await this.git(['commit-tree', emptyTree, '-F', '-'], { input: message })).stdout.trim();
  }

  /**
   * Pushes `commit` to `ref` only if the remote still has `expected` there (null: only if the ref does
   * not exist). Returns false when the remote moved in between.
   */
  async pushExpecting(commit: string | null, ref: string, expected: string | null): Promise<boolean> {
    const source = commit === null ? `:${ref}` : `${commit}:${ref}`;
    const result = await this.git(['push', '--porcelain', `--force-with-lease=${ref}:${expected ?? ''}`, 'origin', source], { allowFailure: true });
    if (result.exitCode === 0) return true;
    const said = `${result.stdout}\n${result.stderr}`;
    if (/\[rejected\]|stale info|fetch first|non-fast-forward|already exists/.test(said)) return false;
    throw new LockstepError('GIT', `git push to ${this.remote} ${ref} failed`, { details: redactUrls(said).trim().split('\n').slice(-5) });
  }

  private async readMode(commit: string, path: string): Promise<string | null> {
    const listed = (await this.git(['ls-tree', commit, '--', path])).stdout;
    return /^(\d{6}) blob /.exec(listed)?.[1] ?? null;
  }

  private async git(args: string[], options: RunOptions = {}): Promise<RunResult> {
    try {
      return await run('git', [`--git-dir=${this.workDir}`, ...args], { errorCode: 'GIT', timeoutMs: 120_000, ...options, env: options.env ?? this.env });
    } catch (error) {
      if (!(error instanceof LockstepError)) throw error;
      // git repeats URLs (redirects, submodules, its own config) in what it prints: none leaves with a credential.
      throw new LockstepError(error.code, redactUrls(error.message), { details: error.details.map(redactUrls), hint: error.hint });
    }
  }
}

async function privateWorkDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-gitops-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A given clone folder is reused only when this user owns it and nobody else may write to it. */
async function checkPrivate(dir: string): Promise<void> {
  const info = await lstat(dir).catch(() => null);
  if (!info) return;
  const uid = process.getuid?.();
  const problem = !info.isDirectory()
    ? 'is not a directory'
    : uid !== undefined && info.uid !== uid
      ? `belongs to uid ${info.uid}, not to this user (${uid})`
      : (info.mode & 0o022) !== 0
        ? `is writable by others (mode ${(info.mode & 0o777).toString(8)})`
        : null;
  if (problem) {
    throw new LockstepError('GIT', `the config repository clone ${dir} ${problem}; refusing to run git in it`, {
      hint: 'remove the folder, or leave the clone folder unset so that each run uses a private one',
    });
  }
}

/** URLs (scheme:// or scp-like user@host:path) go to git as they are; anything else is a local path. */
function remoteOf(repository: string, baseDir: string): string {
  if (repository.startsWith('-')) throw new InputError('repository', undefined, `"${repository}" is not a git URL or path`);
  const credential = credentialInUrl(repository);
  if (credential) throw new InputError('repository', undefined, `${redactUrls(repository)} ${credential}; put the token in the variable named by tokenEnv`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repository) || /^[^/\s]+@[^/\s]+:/.test(repository)) return repository;
  return isAbsolute(repository) ? repository : resolve(baseDir, repository);
}
