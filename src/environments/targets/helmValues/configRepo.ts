import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { InputError, LockstepError } from '../../../errors.js';
import { run, type RunOptions, type RunResult } from '../../../exec/run.js';

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
  /** Where the private bare clone lives (created on first use, fetched into afterwards). */
  workDir: string;
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
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    private readonly options: ConfigRepoOptions,
    remote: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.remote = remote;
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
    const repo = new ConfigRepo(options, remote, env);
    const exists = await stat(join(options.workDir, 'HEAD')).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(options.workDir, { recursive: true });
      await repo.git(['init', '--quiet', '--bare', options.workDir], { cwd: options.workDir });
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
    const match = /^(\d{6}) blob ([0-9a-f]{40})\t/.exec(listed);
    if (!match) return null;
    const blob = await this.git(['cat-file', 'blob', match[2]!]);
    return { content: blob.stdout, mode: match[1]! };
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
    const index = join(this.options.workDir, `lockstep-index-${process.pid}-${randomBytes(4).toString('hex')}`);
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
    throw new LockstepError('GIT', `git push to ${this.remote} ${ref} failed`, { details: said.trim().split('\n').slice(-5) });
  }

  private async readMode(commit: string, path: string): Promise<string | null> {
    const listed = (await this.git(['ls-tree', commit, '--', path])).stdout;
    return /^(\d{6}) blob /.exec(listed)?.[1] ?? null;
  }

  private git(args: string[], options: RunOptions = {}): Promise<RunResult> {
    return run('git', [`--git-dir=${this.options.workDir}`, ...args], { errorCode: 'GIT', timeoutMs: 120_000, ...options, env: options.env ?? this.env });
  }
}

/** URLs (scheme:// or scp-like user@host:path) go to git as they are; anything else is a local path. */
function remoteOf(repository: string, baseDir: string): string {
  if (repository.startsWith('-')) throw new InputError('repository', undefined, `"${repository}" is not a git URL or path`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repository) || /^[^/\s]+@[^/\s]+:/.test(repository)) return repository;
  return isAbsolute(repository) ? repository : resolve(baseDir, repository);
}
