import { posix } from 'node:path';
import { InputError } from '../errors.js';
import { fieldPath } from '../io/readDocument.js';
import { DotenvError, parseDotenv } from './dotenv.js';
import { interpolateDocument, InterpolationAtError, type Environment } from './interpolate.js';
import { mergeModels, stripTags } from './mergeModel.js';
import { isMapping, newMapping, readComposeYaml, type Mapping } from './yamlTree.js';

/**
 * The model compose itself would run, built from the same inputs: the `-f` files merged in order, each
 * interpolated with the project environment (the shell's variables over the project's `.env`, or over
 * `--env-file`), `include`d files imported, `extends` applied, `env_file` folded into `environment`
 * and services of profiles that are not active left out. Reads files only through `read`, so the
 * decisions stay testable without a disk.
 */
export interface ComposeSource {
  /** The compose files in `-f` order; the first one's folder is the project directory. Posix paths. */
  files: string[];
  /** Replaces the project directory's `.env` (compose's `--env-file`). */
  envFile?: string | null;
  /** The shell's environment: it wins over every `.env`. */
  env: Environment;
  /** The text of a file, or undefined when there is none. Throws an InputError for one that cannot be read. */
  read: (file: string) => string | undefined;
}

export interface ComposeProject {
  /** The merged model: top-level keys as compose defines them, `services` filtered by profile. */
  model: Mapping;
  /** The environment interpolation used (shell over `.env`), for bare `environment:` keys. */
  env: Environment;
  /** The project directory (the first file's folder). Relative paths of the model (build contexts, bind sources, env files) are relative to it. */
  projectDir: string;
  /** Services left out because none of their profiles is active, with their profiles. */
  inactive: Map<string, string[]>;
}

type Path = Array<string | number>;

export function loadComposeProject(source: ComposeSource): ComposeProject {
  const [first] = source.files;
  if (first === undefined) throw new InputError('compose', undefined, 'no compose file given');
  const projectDir = posix.dirname(first);
  // Inside the loader every path is relative to the project directory (or absolute, as written), which
  // is how the graph reports them; reads and messages use the real path.
  const inProject: ComposeSource = { ...source, read: (file) => source.read(realPath(projectDir, file)) };
  const env = projectEnvironment(inProject, '.', source.envFile ? posix.relative(projectDir, source.envFile) : null, projectDir);
  const loader = new ProjectLoader(inProject, env, '.', projectDir);
  let model: unknown = undefined;
  for (const file of source.files) model = mergeModels(model, loader.file(posix.relative(projectDir, file) || '.', []));
  const merged = stripTags(model) as Mapping;
  const inactive = applyProfiles(merged, env);
  return { model: merged, env, projectDir, inactive };
}

export function realPath(projectDir: string, path: string): string {
  return posix.isAbsolute(path) ? path : posix.join(projectDir, path);
}

/** The shell's environment over the `.env` file (or `--env-file`) of `dir`. */
function projectEnvironment(source: ComposeSource, dir: string, envFile: string | null, root: string): Environment {
  const file = envFile ?? posix.join(dir, '.env');
  const text = source.read(file);
  if (text === undefined) {
    if (envFile !== null) throw new InputError(realPath(root, envFile), undefined, 'file not found (given as the env file)');
    return source.env;
  }
  const values = readDotenv(realPath(root, file), text, source.env);
  const out: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
  for (const [key, value] of values) out[key] = value;
  for (const [key, value] of Object.entries(source.env)) if (value !== undefined) out[key] = value;
  return out;
}

function readDotenv(file: string, text: string, lookup: Environment): Map<string, string> {
  try {
    return parseDotenv(text, lookup);
  } catch (error) {
    if (error instanceof DotenvError) throw new InputError(file, `line ${error.line}`, error.message);
    throw error;
  }
}

class ProjectLoader {
  constructor(
    private readonly source: ComposeSource,
    private readonly env: Environment,
    /** Relative paths in every file of this project resolve against it (compose's working directory). */
    private readonly workingDir: string,
    /** The root project's directory, for reads and messages. */
    private readonly root: string,
  ) {}

  private real(path: string): string {
    return realPath(this.root, path);
  }

  /** One file: read, interpolated, includes imported, extends applied, paths made relative to the project. */
  file(file: string, including: string[]): Mapping {
    const shown = this.real(file);
    if (including.includes(file)) throw new InputError(shown, undefined, `include cycle: ${[...including, file].map((path) => this.real(path)).join(' -> ')}`);
    const text = this.source.read(file);
    if (text === undefined) throw new InputError(shown, undefined, 'file not found');
    const raw = readComposeYaml(shown, text);
    if (!isMapping(raw)) throw new InputError(shown, undefined, 'must be a mapping with a services key');
    const model = this.interpolate(shown, raw);
    this.resolvePaths(shown, model);
    if (model.include !== undefined) this.include(file, model, [...including, file]);
    if (isMapping(model.services)) {
      const services = model.services;
      for (const name of Object.keys(services)) services[name] = this.extended(file, services, name, []);
    }
    return model;
  }

  private interpolate(file: string, raw: Mapping): Mapping {
    try {
      return interpolateDocument(raw, this.env) as Mapping;
    } catch (error) {
      if (error instanceof InterpolationAtError) throw new InputError(file, fieldPath(error.path), error.message);
      throw error;
    }
  }

  /** Paths compose resolves against the working directory: build contexts, env files, extends files and bind mounts. */
  private resolvePaths(file: string, model: Mapping): void {
    if (!isMapping(model.services)) return;
    for (const service of Object.values(model.services)) {
      if (!isMapping(service)) continue;
      const build = service.build;
      if (typeof build === 'string') service.build = this.relative(build);
      else if (isMapping(build) && typeof build.context === 'string') build.context = this.relative(build.context);
      else if (isMapping(build) && build.context === undefined) build.context = this.relative('.');
      if (service.env_file !== undefined) service.env_file = this.envFiles(file, service.env_file);
      if (isMapping(service.extends) && typeof service.extends.file === 'string') service.extends.file = this.relative(service.extends.file);
      if (Array.isArray(service.volumes)) service.volumes = service.volumes.map((mount) => this.bindSource(mount));
    }
  }

  private relative(path: string): string {
    if (isRemote(path) || posix.isAbsolute(path) || path.startsWith('~')) return path;
    return posix.normalize(posix.join(this.workingDir, path));
  }

  private envFiles(file: string, value: unknown): Mapping[] {
    const entries = Array.isArray(value) ? value : [value];
    return entries.map((entry, index) => {
      const out = newMapping();
      if (typeof entry === 'string') out.path = this.relative(entry);
      else if (isMapping(entry) && typeof entry.path === 'string') {
        out.path = this.relative(entry.path);
        out.required = entry.required ?? true;
      } else throw new InputError(file, `env_file[${index}]`, 'must be a path or a mapping with a path');
      out.required ??= true;
      return out;
    });
  }

  /** Short-form bind mounts become long-form ones, so the resolved source no longer has to look like a path. */
  private bindSource(mount: unknown): unknown {
    if (typeof mount === 'string') {
      const parts = mount.split(':');
      const [source = '', target, mode = ''] = parts;
      if (parts.length < 2 || parts.length > 3 || !/^[./~]/.test(source)) return mount;
      const long = newMapping();
      long.type = 'bind';
      long.source = this.relative(source);
      long.target = target;
      long.read_only = mode.split(',').includes('ro');
      return long;
    }
    if (isMapping(mount) && mount.type === 'bind' && typeof mount.source === 'string') mount.source = this.relative(mount.source);
    return mount;
  }

  private include(file: string, model: Mapping, including: string[]): void {
    const entries = model.include;
    delete model.include;
    if (!Array.isArray(entries)) throw new InputError(this.real(file), 'include', 'must be a list of files');
    entries.forEach((entry, index) => {
      const at = `include[${index}]`;
      const config = typeof entry === 'string' ? { path: entry } : isMapping(entry) ? entry : undefined;
      const paths: unknown[] = config === undefined ? [] : Array.isArray(config.path) ? config.path : [config.path];
      const [first] = paths;
      if (config === undefined || typeof first !== 'string' || !paths.every((path): path is string => typeof path === 'string' && path !== '')) {
        throw new InputError(this.real(file), at, 'must be a path or a mapping with path');
      }
      const remote = paths.find(isRemote);
      if (remote) throw new InputError(this.real(file), at, `remote include ${remote} is not supported: lockstep must read the same files compose runs, from the repository`);
      const files = paths.map((path) => this.relative(path));
      const projectDir = typeof config.project_directory === 'string' ? this.relative(config.project_directory) : posix.dirname(this.relative(first));
      const envFiles = config.env_file === undefined ? [] : (Array.isArray(config.env_file) ? config.env_file : [config.env_file]).map((path) => this.relative(String(path)));
      const env =
        envFiles.length === 0
          ? projectEnvironment(this.source, projectDir, null, this.root)
          : envFiles.reduce((scope, envFile) => projectEnvironment({ ...this.source, env: scope }, projectDir, envFile, this.root), this.source.env);
      const loader = new ProjectLoader(this.source, env, projectDir, this.root);
      let imported: unknown = undefined;
      for (const path of files) imported = mergeModels(imported, loader.file(path, including));
      this.importResources(model, stripTags(imported) as Mapping);
    });
  }

  /** An included file's services, networks, volumes, secrets and configs join the model; where the including file defines the same name, its definition is merged over the imported one, as compose does. */
  private importResources(model: Mapping, imported: Mapping): void {
    for (const kind of ['services', 'networks', 'volumes', 'secrets', 'configs', 'models']) {
      const source = imported[kind];
      if (!isMapping(source)) continue;
      const target = isMapping(model[kind]) ? model[kind] : (model[kind] = newMapping());
      for (const [name, value] of Object.entries(source)) {
        target[name] = Object.hasOwn(target, name) ? mergeModels(value, target[name], [kind, name]) : value;
      }
    }
  }

  /** A service with its `extends` base merged under it (bases of bases first). */
  private extended(file: string, services: Mapping, name: string, chain: string[]): unknown {
    const service = services[name];
    if (!isMapping(service) || service.extends === undefined) return service;
    const key = `${file}#${name}`;
    if (chain.includes(key)) throw new InputError(this.real(file), `services.${name}.extends`, `extends cycle: ${[...chain, key].join(' -> ')}`);
    const spec = service.extends;
    const baseName = typeof spec === 'string' ? spec : isMapping(spec) && typeof spec.service === 'string' ? spec.service : undefined;
    if (!baseName) throw new InputError(this.real(file), `services.${name}.extends`, 'must name a service, or be a mapping with service (and file)');
    let base: unknown;
    let baseFile = file;
    if (isMapping(spec) && typeof spec.file === 'string') {
      baseFile = spec.file;
      if (isRemote(baseFile)) throw new InputError(this.real(file), `services.${name}.extends.file`, 'remote files are not supported: lockstep must read the same files compose runs, from the repository');
      const other = new ProjectLoader(this.source, this.env, posix.dirname(baseFile), this.root).file(baseFile, []);
      base = isMapping(other.services) ? other.services[baseName] : undefined;
    } else {
      base = services[baseName] === undefined ? undefined : this.extended(file, services, baseName, [...chain, key]);
    }
    if (!isMapping(base)) throw new InputError(this.real(file), `services.${name}.extends`, `no service named "${baseName}" in ${this.real(baseFile)}`);
    const own = newMapping();
    for (const [field, value] of Object.entries(service)) if (field !== 'extends') own[field] = value;
    return mergeModels(base, own, ['services', name]);
  }
}

/** Services none of whose profiles is active (COMPOSE_PROFILES) are left out, as `compose up` leaves them. */
function applyProfiles(model: Mapping, env: Environment): Map<string, string[]> {
  const inactive = new Map<string, string[]>();
  if (!isMapping(model.services)) return inactive;
  const active = new Set((env.COMPOSE_PROFILES ?? '').split(',').map((name) => name.trim()).filter(Boolean));
  for (const [name, service] of Object.entries(model.services)) {
    if (!isMapping(service) || service.profiles === undefined) continue;
    const profiles = Array.isArray(service.profiles) ? service.profiles.map(String) : [];
    if (active.has('*') || profiles.some((profile) => active.has(profile))) continue;
    inactive.set(name, profiles);
    delete model.services[name];
  }
  return inactive;
}

/** env_file entries as compose reads them: one `.env`-format file after another, later files winning. */
export function readEnvFiles(entries: unknown, read: ComposeSource['read'], env: Environment, at: Path, file: string, projectDir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(entries)) return out;
  for (const entry of entries) {
    if (!isMapping(entry) || typeof entry.path !== 'string') continue;
    const path = realPath(projectDir, entry.path);
    const text = read(path);
    if (text === undefined) {
      if (entry.required === false) continue;
      throw new InputError(file, fieldPath([...at, 'env_file']), `${path} does not exist (compose refuses a missing env_file too; mark it required: false if it is optional)`);
    }
    for (const [key, value] of readDotenv(path, text, env)) out.set(key, value);
  }
  return out;
}

export function isRemote(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith('git@') || path.startsWith('oci://');
}

