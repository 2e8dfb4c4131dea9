import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/exec/run.js';
import { git, sandboxGitEnv } from '../../../src/sandbox/git.js';
import type { GitHubDouble } from '../../doubles/github/server.js';

/**
 * The orchestrator repository on both sides of the story: the real git repository (submodule pins,
 * checkouts, what lockstep reads with git) and GitHub's copy in the double (what lockstep reads and
 * writes through the API). Every commit on one side gets a twin on the other with the same files,
 * message and parents, and the twins are recorded both ways, so a commit GitHub names (a merge, a
 * lock commit) is checked out as its real twin. Gitlinks live on the real side only: the double's
 * trees hold files.
 */
export class RepoTwin {
  private readonly toReal = new Map<string, string>();
  private readonly toDouble = new Map<string, string>();
  private readonly scratch: string[] = [];

  constructor(
    readonly repoDir: string,
    readonly double: GitHubDouble,
  ) {}

  realOf(doubleSha: string): string {
    const real = this.toReal.get(doubleSha);
    if (!real) throw new Error(`${doubleSha} has no twin in the real repository`);
    return real;
  }

  doubleOf(realSha: string): string {
    const twin = this.toDouble.get(realSha);
    if (!twin) throw new Error(`${realSha} has no twin on the GitHub double`);
    return twin;
  }

  private async git(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    return (await run('git', ['-C', this.repoDir, '-c', 'protocol.file.allow=always', ...args], { env: { ...sandboxGitEnv(), ...env }, errorCode: 'GIT' })).stdout.trim();
  }

  /** The regular files of a real commit: path -> blob name (gitlinks left out). */
  private async realFiles(sha: string): Promise<Map<string, string>> {
    const listing = await this.git(['ls-tree', '-r', '-z', sha]);
    const files = new Map<string, string>();
    for (const entry of listing.split('\0').filter(Boolean)) {
      const [meta, path] = entry.split('\t') as [string, string];
      const [mode, type, blob] = meta.split(' ') as [string, string, string];
      if (type === 'blob' && mode !== '120000') files.set(path, blob);
    }
    return files;
  }

  private doubleFiles(sha: string): Map<string, string> {
    return this.double.git.trees.get(this.double.git.commits.get(sha)!.treeSha)!;
  }

  /** `git push origin <branch>`: the real branch's new commits (first-parent line) onto the double. */
  async push(branch: string): Promise<string> {
    const line: string[] = [];
    for (let sha: string | undefined = await this.git(['rev-parse', `refs/heads/${branch}`]); sha && !this.toDouble.has(sha); ) {
      line.unshift(sha);
      sha = (await this.git(['rev-list', '--parents', '-n', '1', sha])).split(' ')[1];
    }
    for (const sha of line) {
      const parents = (await this.git(['rev-list', '--parents', '-n', '1', sha])).split(' ').slice(1);
      const entries = new Map<string, string>();
      for (const [path, blob] of await this.realFiles(sha)) entries.set(path, this.double.git.putBlob(execFileSync('git', ['-C', this.repoDir, 'cat-file', 'blob', blob])));
      const message = await this.git(['log', '-1', '--format=%B', sha]);
      const commit = this.double.git.putCommit(this.double.git.putTree(entries), parents.map((parent) => this.doubleOf(parent)), message);
      this.record(sha, commit.sha);
    }
    const tip = this.doubleOf(await this.git(['rev-parse', `refs/heads/${branch}`]));
    this.double.git.refs.set(`heads/${branch}`, tip);
    return tip;
  }

  /** `git fetch`: the double's new commits on a branch (lock commits, merges, archives) get real twins; the real branch follows. */
  async pull(branch: string): Promise<string> {
    const tip = this.double.head(branch);
    const pending: string[] = [];
    const queue = [tip];
    while (queue.length > 0) {
      const sha = queue.shift()!;
      if (this.toReal.has(sha) || pending.includes(sha)) continue;
      pending.push(sha);
      queue.push(...this.double.git.commits.get(sha)!.parents);
    }
    // Parents before children.
    pending.sort((a, b) => (this.double.git.isAncestor(a, b) ? -1 : this.double.git.isAncestor(b, a) ? 1 : 0));
    for (const sha of pending) await this.twinOfDoubleCommit(sha);
    const real = this.realOf(tip);
    await this.git(['update-ref', `refs/heads/${branch}`, real]);
    return real;
  }

  private async twinOfDoubleCommit(sha: string): Promise<void> {
    const commit = this.double.git.commits.get(sha)!;
    const parents = commit.parents.map((parent) => this.realOf(parent));
    const index = await mkdtemp(join(tmpdir(), 'lockstep-story-index-'));
    this.scratch.push(index);
    const env = { GIT_INDEX_FILE: join(index, 'index') };
    let base: string;
    if (parents.length === 2) {
      // GitHub's merge commit: the real three-way merge of the same parents (gitlinks included).
      const merged = await run('git', ['-C', this.repoDir, 'merge-tree', '--write-tree', parents[0]!, parents[1]!], { env: sandboxGitEnv(), errorCode: 'GIT', allowFailure: true });
      if (merged.exitCode !== 0) throw new Error(`the real twin of merge ${sha} conflicts:\n${merged.stdout}`);
      base = merged.stdout.trim().split('\n')[0]!;
    } else {
      base = parents[0] ? `${parents[0]}^{tree}` : '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
    }
    await this.git(['read-tree', base], env);
    // The files as GitHub holds them; gitlinks stay as the real parents have them.
    const wanted = this.doubleFiles(sha);
    const have = new Map<string, string>();
    for (const line of (await this.git(['ls-files', '-s', '-z'], env)).split('\0').filter(Boolean)) {
      const [meta, path] = line.split('\t') as [string, string];
      const [mode, blob] = meta.split(' ') as [string, string];
      if (mode !== '160000') have.set(path, blob);
    }
    for (const [path, blob] of wanted) {
      if (have.get(path) === blob) continue;
      const written = await run('git', ['-C', this.repoDir, 'hash-object', '-w', '--stdin'], { input: this.double.git.blobs.get(blob)!, errorCode: 'GIT' });
      await this.git(['update-index', '--add', '--cacheinfo', `100644,${written.stdout.trim()},${path}`], env);
    }
    for (const path of have.keys()) if (!wanted.has(path)) await this.git(['update-index', '--force-remove', path], env);
    const tree = await this.git(['write-tree'], env);
    const real = await this.git(['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent]), '-m', commit.message]);
    this.record(real, sha);
  }

  private record(real: string, twin: string): void {
    this.toReal.set(twin, real);
    this.toDouble.set(real, twin);
  }

  /** actions/checkout: a fresh clone at the twin of `ref` (a commit or branch name on the double). */
  async checkout(ref: string): Promise<string> {
    const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : this.double.head(ref);
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-story-checkout-'));
    this.scratch.push(dir);
    await git(dir, ['clone', '--quiet', '--no-checkout', '--shared', this.repoDir, '.']);
    await git(dir, ['checkout', '--quiet', '--detach', this.realOf(sha)]);
    return dir;
  }

  /** A developer's working copy of a branch, its submodules at the branch's pins. */
  async workOn(branch: string): Promise<void> {
    await this.git(['checkout', '--quiet', '--force', branch]);
    await this.git(['submodule', '--quiet', 'update', '--init']);
  }

  async removeScratch(): Promise<void> {
    for (const dir of this.scratch.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}
