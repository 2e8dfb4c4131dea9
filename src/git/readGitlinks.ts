import { run } from '../exec/run.js';

export interface TreeEntry {
  mode: string;
  type: string;
  object: string;
  path: string;
}

/** Parses `git ls-tree -z` output: `<mode> SP <type> SP <object> TAB <path>` records ended by NUL. */
export function parseLsTree(output: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of output.split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode = '', type = '', object = ''] = record.slice(0, tab).split(' ');
    entries.push({ mode, type, object, path: record.slice(tab + 1) });
  }
  return entries;
}

/** `services/catalog/` and `./services/catalog` name the same tree entry as `services/catalog`. */
export function normalizeTreePath(path: string): string {
  return path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

export type GitlinkLookup =
  | { found: 'gitlink'; commit: string }
  | { found: 'tree' | 'blob' | 'nothing'; commit?: undefined };

/**
 * Reads what sits at each path in the tree of `commit` (not the working tree, not the index), with one
 * `git ls-tree` call for all paths. A submodule is a gitlink: mode 160000, pointing at its commit.
 */
export async function readGitlinks(repoDir: string, commit: string, paths: readonly string[]): Promise<Map<string, GitlinkLookup>> {
  const wanted = paths.map(normalizeTreePath);
  const listed = await run('git', ['--literal-pathspecs', '-C', repoDir, 'ls-tree', '-z', '--full-tree', commit, '--', ...wanted], {
    errorCode: 'GIT',
  });
  const byPath = new Map(parseLsTree(listed.stdout).map((entry) => [entry.path, entry]));
  const result = new Map<string, GitlinkLookup>();
  for (const [index, path] of wanted.entries()) {
    const entry = byPath.get(path);
    const lookup: GitlinkLookup =
      entry === undefined
        ? { found: 'nothing' }
        : entry.mode === '160000' && entry.type === 'commit'
          ? { found: 'gitlink', commit: entry.object }
          : { found: entry.type === 'tree' ? 'tree' : 'blob' };
    result.set(paths[index]!, lookup);
  }
  return result;
}
