import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, sandboxGitEnv } from '../../../src/sandbox/git.js';
import type { GitHubDouble } from '../../doubles/github/server.js';

/**
 * The orchestrator repository on both sides of the story: the real git repository (submodule pins,
 * checkouts, what lockstep reads with git) and GitHub's copy in the double (what lockstep reads and
 * writes through the API), agreeing on every commit name. A real commit pushed keeps its name on the
 * double; a commit the double makes (a lock commit, a merge, an archive) is written into the real
 * repository as it is made, and named by it: its files as the double holds them, its gitlinks (which
 * the double's trees do not hold) from its real parents, merged as git merges them.
 */
export class RepoTwin {
  private readonly scratch: string[] = [];
  private readonly empty = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

  constructor(
    readonly repoDir: string,
    readonly double: GitHubDouble,
  ) {
    double.git.mintCommitSha = (commit) => this.writeRealCommit(commit.tree, commit.parents, commit.message);
  }

  private gitSync(args: string[], options: { env?: NodeJS.ProcessEnv; input?: Buffer } = {}): string {
    return execFileSync('git', ['-C', this.repoDir, ...args], { env: { ...sandboxGitEnv(), ...options.env }, input: options.input, maxBuffer: 64 * 1024 * 1024 }).toString('utf8').trim();
  }

  /** The real commit for a commit the double makes: same files, same parents, same message. */
  private writeRealCommit(files: Map<string, string>, parents: string[], message: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-story-index-'));
    try {
      const env = { GIT_INDEX_FILE: join(dir, 'index') };
      // A merge takes its gitlinks as git merges them; a plain commit, its parent's.
      const base = parents.length === 2 ? this.gitSync(['merge-tree', '--write-tree', parents[0]!, parents[1]!]).split('\n')[0]! : parents[0] ? `${parents[0]}^{tree}` : this.empty;
      this.gitSync(['read-tree', base], { env });
      const have = new Map<string, string>();
      for (const line of this.gitSync(['ls-files', '-s', '-z'], { env }).split('\0').filter(Boolean)) {
        const [meta, path] = line.split('\t') as [string, string];
        const [mode, blob] = meta.split(' ') as [string, string];
        if (mode !== '160000') have.set(path, blob);
      }
      for (const [path, blob] of files) {
        if (have.get(path) === blob) continue;
        const written = this.gitSync(['hash-object', '-w', '--stdin'], { input: this.double.git.blobs.get(blob)! });
        this.gitSync(['update-index', '--add', '--cacheinfo', `100644,${written},${path}`], { env });
      }
      for (const path of have.keys()) if (!files.has(path)) this.gitSync(['update-index', '--force-remove', path], { env });
      const tree = this.gitSync(['write-tree'], { env });
      return this.gitSync(['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent]), '-m', message]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** `git push origin <branch>`: the real branch's commits the double lacks, under their own names. */
  async push(branch: string): Promise<string> {
    const tip = this.gitSync(['rev-parse', `refs/heads/${branch}`]);
    const missing = this.gitSync(['rev-list', '--reverse', '--topo-order', tip, ...[...this.double.git.commits.keys()].map((sha) => `^${sha}`)]).split('\n').filter(Boolean);
    for (const sha of missing) {
      const files = new Map<string, Buffer>();
      for (const entry of this.gitSync(['ls-tree', '-r', '-z', sha]).split('\0').filter(Boolean)) {
        const [meta, path] = entry.split('\t') as [string, string];
        const [mode, type, blob] = meta.split(' ') as [string, string, string];
        if (type === 'blob' && mode !== '120000') files.set(path, execFileSync('git', ['-C', this.repoDir, 'cat-file', 'blob', blob]));
      }
      const parents = this.gitSync(['rev-list', '--parents', '-n', '1', sha]).split(' ').slice(1);
      this.double.git.importCommit(sha, files, parents, this.gitSync(['log', '-1', '--format=%B', sha]));
    }
    this.double.git.refs.set(`heads/${branch}`, tip);
    return tip;
  }

  /** `git fetch` + fast-forward: the real branch points where GitHub's does (the commits are already here). */
  async pull(branch: string): Promise<string> {
    const tip = this.double.head(branch);
    this.gitSync(['update-ref', `refs/heads/${branch}`, tip]);
    return tip;
  }

  /** actions/checkout: a fresh clone at `ref` (a commit, or a branch of GitHub's repository). */
  async checkout(ref: string): Promise<string> {
    const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : this.double.head(ref);
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-story-checkout-'));
    this.scratch.push(dir);
    await git(dir, ['clone', '--quiet', '--no-checkout', '--shared', this.repoDir, '.']);
    await git(dir, ['checkout', '--quiet', '--detach', sha]);
    return dir;
  }

  /** A developer's working copy of a branch as GitHub has it, submodules at the branch's pins. */
  async workOn(branch: string): Promise<void> {
    if (this.double.git.refs.has(`heads/${branch}`)) await this.pull(branch);
    this.gitSync(['checkout', '--quiet', '--force', branch]);
    this.gitSync(['-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'update', '--init']);
  }

  async removeScratch(): Promise<void> {
    for (const dir of this.scratch.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}
