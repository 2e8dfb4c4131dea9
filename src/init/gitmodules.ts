import { InputError } from '../errors.js';
import { run } from '../exec/run.js';

export interface Submodule {
  /** The submodule's name in `.gitmodules` (`[submodule "NAME"]`). */
  name: string;
  /** Its path in the repository, as git records it. */
  path: string;
  url: string | null;
}

/**
 * The submodules `.gitmodules` declares, read by git itself (`git config --file … --null`), so quoting,
 * comments and includes mean what they mean to git.
 */
export async function readSubmodules(repoDir: string, file = '.gitmodules'): Promise<Submodule[]> {
  const result = await run('git', ['config', '--file', file, '--null', '--get-regexp', '^submodule\\..*\\.(path|url)$'], { cwd: repoDir, allowFailure: true, timeoutMs: 30_000 });
  // git config exits 1 when nothing matches, 3 when the file cannot be parsed.
  if (result.exitCode === 1) return [];
  if (result.exitCode !== 0) throw new InputError(file, undefined, `git cannot read it: ${result.stderr.trim().split('\n')[0] ?? `exit ${result.exitCode}`}`);
  return parseConfigList(result.stdout);
}

/** Parses `git config --null --get-regexp` output: `key\nvalue\0` records. */
export function parseConfigList(output: string): Submodule[] {
  const byName = new Map<string, Submodule>();
  for (const record of output.split('\0').filter(Boolean)) {
    const newline = record.indexOf('\n');
    const key = newline === -1 ? record : record.slice(0, newline);
    const value = newline === -1 ? '' : record.slice(newline + 1);
    const [, name, field] = /^submodule\.(.+)\.(path|url)$/.exec(key) ?? [];
    if (name === undefined) continue;
    const entry = byName.get(name) ?? { name, path: '', url: null };
    if (field === 'path') entry.path = value.replace(/\/+$/, '');
    else entry.url = value;
    byName.set(name, entry);
  }
  return [...byName.values()].filter((entry) => entry.path !== '').sort((a, b) => a.path.localeCompare(b.path));
}
