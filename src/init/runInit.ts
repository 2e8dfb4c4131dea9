import { readFile, stat } from 'node:fs/promises';
import { join, posix, resolve, sep } from 'node:path';
import { parseDocument } from 'yaml';
import { loadComposeGraph } from '../compose/loadGraph.js';
import { lockstepConfig } from '../config/schema.js';
import { InputError, LockstepError } from '../errors.js';
import { run } from '../exec/run.js';
import { writeAtomic } from '../io/writeAtomic.js';
import { readSubmodules } from './gitmodules.js';
import { renderChecklist } from './githubSetup.js';
import { proposeConfig, type Proposal } from './proposeConfig.js';
import { configSchemaUrl, defaultModuleRef, pinModule, readWorkflowTemplates } from './templates.js';

export interface InitOptions {
  /** The orchestrator repository (its root). */
  dir: string;
  /** The config file to write, relative to `dir`. */
  configFile: string;
  /** The compose file, relative to `dir`; found by compose's own names when not given. */
  composeFile?: string;
  repository?: string;
  tagTemplate: string;
  /** The lockstep module version (tag) or commit the workflows load; the installed version by default. */
  moduleRef?: string;
  version: string;
  force: boolean;
  dryRun: boolean;
  env?: NodeJS.ProcessEnv;
}

export type FileAction = 'create' | 'overwrite' | 'unchanged' | 'exists';

export interface PlannedFile {
  path: string;
  action: FileAction;
  content: string;
}

export interface InitResult {
  dir: string;
  repository: string | null;
  moduleRef: string;
  composeFile: string;
  written: boolean;
  files: PlannedFile[];
  services: Proposal['services'];
  unpinned: Proposal['unpinned'];
  checklist: string;
}

/** The names compose itself looks for, in its order. */
const composeNames = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

export async function runInit(options: InitOptions): Promise<InitResult> {
  const dir = resolve(options.dir);
  if (!(await isFile(join(dir, '.gitmodules')))) {
    throw new InputError('.gitmodules', undefined, `not found in ${dir}: lockstep pins every service as a git submodule (git submodule add <url> <path>)`);
  }
  const submodules = await readSubmodules(dir);
  if (submodules.length === 0) throw new InputError('.gitmodules', undefined, 'declares no submodule with a path: lockstep pins every service as a git submodule');
  const composeFile = options.composeFile ?? (await findCompose(dir));
  const compose = await loadComposeGraph(join(dir, composeFile), options.env ?? process.env);
  const moduleRef = options.moduleRef ?? defaultModuleRef(options.version);
  const repository = options.repository ?? (await originRepository(dir));
  if (repository !== null && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) throw new InputError('command line', '--repository', 'must be owner/name');

  const proposal = proposeConfig({
    submodules,
    compose,
    composeFile: toPosix(composeFile),
    tagTemplate: options.tagTemplate,
    repository: repository ?? undefined,
    schemaUrl: configSchemaUrl(moduleRef),
  });
  assertValidProposal(proposal.text, options.configFile);
  const templates = (await readWorkflowTemplates()).map((template) => pinModule(template, moduleRef));
  const wanted = [
    { path: toPosix(options.configFile), content: proposal.text },
    ...templates.map((template) => ({ path: `.github/workflows/${template.name}`, content: template.text })),
  ];

  const files: PlannedFile[] = [];
  for (const file of wanted) {
    const existing = await readFile(join(dir, file.path), 'utf8').catch(() => null);
    const action: FileAction = existing === null ? 'create' : existing === file.content ? 'unchanged' : options.force ? 'overwrite' : 'exists';
    files.push({ ...file, action });
  }
  const blocked = files.filter((file) => file.action === 'exists');
  if (blocked.length > 0 && !options.dryRun) {
    throw new LockstepError('CONFLICT', `${blocked.map((file) => file.path).join(', ')} ${blocked.length === 1 ? 'exists and differs' : 'exist and differ'}: nothing was written`, {
      hint: 'rerun with --dry-run to see what lockstep would write, or --force to overwrite',
    });
  }
  if (!options.dryRun) {
    for (const file of files.filter((candidate) => candidate.action === 'create' || candidate.action === 'overwrite')) await writeAtomic(join(dir, file.path), file.content);
  }
  const [owner, repo] = (repository ?? 'OWNER/REPO').split('/') as [string, string];
  return {
    dir,
    repository,
    moduleRef,
    composeFile: toPosix(composeFile),
    written: !options.dryRun,
    files,
    services: proposal.services,
    unpinned: proposal.unpinned,
    checklist: renderChecklist(owner, repo),
  };
}

/** The proposal must be a config lockstep accepts: a bug here would hand the team a broken file. */
function assertValidProposal(text: string, file: string): void {
  const parsed = lockstepConfig.safeParse(parseDocument(text).toJS());
  if (!parsed.success) throw new Error(`lockstep init proposed an invalid ${file}: ${parsed.error.message}`);
}

async function findCompose(dir: string): Promise<string> {
  for (const name of composeNames) if (await isFile(join(dir, name))) return name;
  throw new InputError('compose file', undefined, `none of ${composeNames.join(', ')} is in ${dir}: name yours with --compose <file>`);
}

/** owner/name of the `origin` remote when it is a GitHub-style URL (https or ssh), else null. */
export async function originRepository(dir: string): Promise<string | null> {
  const result = await run('git', ['remote', 'get-url', 'origin'], { cwd: dir, allowFailure: true, timeoutMs: 30_000 });
  if (result.exitCode !== 0) return null;
  return parseRepositoryUrl(result.stdout.trim());
}

export function parseRepositoryUrl(url: string): string | null {
  const match = /^(?:https:\/\/[^/]+\/|ssh:\/\/git@[^/]+\/|git@[^:]+:)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url);
  return match ? `${match[1]}/${match[2]}` : null;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

function toPosix(path: string): string {
  const normal = posix.normalize(path.split(sep).join(posix.sep));
  if (normal === '..' || normal.startsWith('../') || posix.isAbsolute(normal)) throw new InputError('command line', path, 'must be a path inside the repository');
  return normal;
}
