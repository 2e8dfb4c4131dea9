import { access, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InputError, LockstepError } from '../errors.js';
import { decodeUtf8, defaultMaxBytes, readBoundedText } from '../io/readDocument.js';
import type { ConfiguredFile } from '../policy/configuredFiles.js';
import { checkDigestOnly, type PolicySource, type PolicyViolation } from '../policy/digestOnly.js';

export interface DigestOnlyInput {
  /** Files and directories; `-` reads standard input (e.g. `helm template ... | lockstep policy digest-only -`). */
  paths: string[];
  /** Where `-` is read from; defaults to process.stdin. */
  readStdin?: () => Promise<string>;
  /** Files the config names (used when paths is empty); one that is absent is listed as skipped. */
  configured?: ConfiguredFile[];
}

export interface CheckedFileSummary {
  file: string;
  sources: PolicySource[];
  references: number;
  violations: number;
}

export interface DigestOnlyReport {
  ok: boolean;
  files: CheckedFileSummary[];
  /** Paths a directory walk passed over, and why. */
  skipped: Array<{ path: string; reason: string }>;
  references: number;
  violations: PolicyViolation[];
}

const yamlFile = /\.ya?ml$/i;
const skippedDirectories = new Set(['.git', 'node_modules']);

/** Checks every file named or found; the report lists violations, the caller decides how to fail. */
export async function checkDigestOnlyPaths(input: DigestOnlyInput): Promise<DigestOnlyReport> {
  const report: DigestOnlyReport = { ok: true, files: [], skipped: [], references: 0, violations: [] };
  const paths = input.paths.length > 0 ? input.paths : await presentFiles(input.configured ?? [], report.skipped);
  if (paths.length === 0) {
    throw new InputError('digest-only', 'paths', input.configured ? 'none of the files the config names exists: name files or directories to check' : 'name at least one file or directory');
  }
  const seen = new Set<string>();
  for (const path of paths) {
    const files = path === '-' ? ['-'] : await expand(path, report.skipped);
    for (const file of files) {
      if (seen.has(file)) continue;
      seen.add(file);
      const text = file === '-' ? await (input.readStdin ?? readStdin)() : await readBoundedText(file);
      const checked = checkDigestOnly(file === '-' ? '(stdin)' : file, text);
      report.files.push({ file: file === '-' ? '(stdin)' : file, sources: checked.sources, references: checked.references, violations: checked.violations.length });
      report.references += checked.references;
      report.violations.push(...checked.violations);
    }
  }
  report.ok = report.violations.length === 0;
  return report;
}

/** Exit 4 with a one-line summary when anything is unpinned; the table itself goes to stdout first. */
export function assertDigestOnly(report: DigestOnlyReport): void {
  if (report.ok) return;
  const latest = report.violations.filter((violation) => violation.latest).length;
  throw new LockstepError(
    'POLICY_VIOLATION',
    `${report.violations.length} of ${report.references} image references are not pinned by digest${latest ? ` (${latest} use latest)` : ''}`,
    { hint: 'pin every image as <repository>@sha256:<digest> (lockstep lock show prints the digests of a lock)' },
  );
}

/** The configured files that exist; the others are reported as skipped, since a repository may not have them yet (no lock before the first pull request). */
async function presentFiles(files: ConfiguredFile[], skipped: DigestOnlyReport['skipped']): Promise<string[]> {
  const present: string[] = [];
  for (const file of files) {
    try {
      await access(file.path);
      present.push(file.path);
    } catch {
      skipped.push({ path: file.path, reason: `named by ${file.field} in the config, not found` });
    }
  }
  return present;
}

async function expand(path: string, skipped: DigestOnlyReport['skipped']): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(path, undefined, code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? 'error'})`);
  }
  if (info.isFile()) return [path];
  if (!info.isDirectory()) throw new InputError(path, undefined, 'is neither a file nor a directory');
  const found = await walk(path, skipped);
  if (found.length === 0) throw new InputError(path, undefined, 'holds no *.yaml or *.yml files to check');
  return found;
}

async function walk(dir: string, skipped: DigestOnlyReport['skipped']): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const isChart = entries.some((entry) => entry.isFile() && entry.name === 'Chart.yaml');
  const found: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      if (yamlFile.test(entry.name)) skipped.push({ path, reason: 'symbolic link (name the target to check it)' });
    } else if (entry.isDirectory()) {
      if (skippedDirectories.has(entry.name)) continue;
      if (isChart && entry.name === 'templates') {
        skipped.push({ path, reason: 'helm templates are not YAML until rendered: check `helm template` output with -' });
        continue;
      }
      found.push(...(await walk(path, skipped)));
    } else if (entry.isFile() && yamlFile.test(entry.name) && basename(path) !== 'Chart.yaml') {
      found.push(path);
    }
  }
  return found;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > defaultMaxBytes) throw new InputError('(stdin)', undefined, `is over the ${defaultMaxBytes}-byte limit`);
    chunks.push(buffer);
  }
  return decodeUtf8('(stdin)', Buffer.concat(chunks));
}
