import { posix } from 'node:path';
import { InputError } from '../errors.js';
import { fieldPath } from '../io/readDocument.js';
import { parseComposeDuration } from './duration.js';
import type { Environment } from './interpolate.js';
import { isRemote, loadComposeProject, readEnvFiles, type ComposeProject, type ComposeSource } from './loadProject.js';
import { shellWords, ShellWordsError } from './shellWords.js';
import { buildKeys, healthcheckKeys, serviceKeys, topLevelKeys } from './specKeys.js';
import { isMapping } from './yamlTree.js';

/**
 * The compose project read once into a typed service graph: what lockstep needs to pin, start, wait
 * for and address a stack (services, images and builds, healthchecks, dependencies, ports, networks).
 * Compose is the runtime and this is a view of it: every other key compose defines is passed through
 * to compose untouched. Only what would break lockstep's guarantees is refused, with the reason: a
 * service compose cannot run or lockstep cannot pin (no image nor build, an image that resolves to
 * nothing, a remote build), and what compose itself refuses (unknown keys, undefined services,
 * networks or volumes, dependency cycles, malformed values lockstep reads).
 */

export type DependsOnCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface BuildSpec {
  /** The build context relative to the compose file's directory (posix, normalised), or absolute. */
  context: string;
  /** The Dockerfile relative to the context, or null for the default `Dockerfile`. */
  dockerfile: string | null;
  args: Record<string, string>;
}

export interface PortMapping {
  /** The container port (the first of a range). */
  target: number;
  /** The host port (the first of a range), or null for one the daemon picks. */
  published: number | null;
  hostIp: string | null;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** How many consecutive ports a range (`8000-8009:80-89`) maps; absent for a single port. */
  count?: number;
}

export interface Healthcheck {
  /** The check command (`CMD ...`, `CMD-SHELL ...`), or null to keep the image's own. */
  test: string[] | null;
  disabled: boolean;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface VolumeMount {
  /** Named volumes are what the example system uses; binds, tmpfs and the rest are compose's to run. */
  type: 'volume' | 'bind' | 'tmpfs' | 'npipe' | 'cluster' | 'image';
  /** The named volume, the bind source (relative to the compose file's folder, or absolute), or null. */
  source: string | null;
  target: string;
  readOnly: boolean;
}

export interface ComposeVolume {
  /** The volume name compose creates (`name:`), or null for `<project>_<key>`. */
  name: string | null;
  external: boolean;
}

export interface ComposeNetwork {
  /** The network name compose creates (`name:`), or null for `<project>_<key>`. */
  name: string | null;
  external: boolean;
  /** An internal network has no route out: suites can still reach services on it from inside. */
  internal: boolean;
}

export interface ServiceNetwork {
  /** Extra DNS names of the service on this network. */
  aliases: string[];
}

export interface ComposeService {
  name: string;
  image: string | null;
  build: BuildSpec | null;
  command: string[] | null;
  entrypoint: string[] | null;
  /** `env_file` entries first, then `environment` over them, as the container sees it. */
  environment: Record<string, string>;
  ports: PortMapping[];
  expose: number[];
  healthcheck: Healthcheck | null;
  dependsOn: Record<string, { condition: DependsOnCondition }>;
  volumes: VolumeMount[];
  workingDir: string | null;
  user: string | null;
  labels: Record<string, string>;
  restart: string | null;
  /** The networks the service joins (`default` when it names none), or empty with a network_mode. */
  networks: Record<string, ServiceNetwork>;
  /** `host`, `none`, `service:<name>`, `container:<id>`, or null for compose's networks. */
  networkMode: string | null;
  profiles: string[];
}

export interface ComposeGraph {
  /** Services by name, in name order (a null-prototype record: any name is just a key). */
  services: Record<string, ComposeService>;
  /** Dependencies before dependents; ties in name order. */
  startOrder: string[];
  volumes: Record<string, ComposeVolume>;
  /** Top-level networks, `default` included when a service is on it. */
  networks: Record<string, ComposeNetwork>;
}

type Path = Array<string | number>;

const healthDefaults = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 };
const conditions: DependsOnCondition[] = ['service_started', 'service_healthy', 'service_completed_successfully'];
const volumeNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** Compose's own rule for service names (its schema): capitals, `_` and `.` included. */
const serviceNamePattern = /^[a-zA-Z0-9._-]+$/;
const mountTypes = new Set<VolumeMount['type']>(['volume', 'bind', 'tmpfs', 'npipe', 'cluster', 'image']);

/**
 * Parses one compose file's text (already read) into the graph; `env` feeds interpolation as it is
 * (no `.env` is read and no other file: use loadComposeGraph for a project on disk).
 */
export function parseComposeGraph(file: string, text: string, env: Environment): ComposeGraph {
  const project = loadComposeProject({ files: [file], env, read: (path) => (path === file ? text : undefined), envFile: null });
  return readComposeGraph(file, project, () => undefined);
}

/** The graph of a loaded project; `read` reads env_file files. `file` names the project in messages. */
export function readComposeGraph(file: string, project: ComposeProject, read: ComposeSource['read']): ComposeGraph {
  return new GraphReader(file, project, read).read();
}

class GraphReader {
  private readonly env: Environment;

  constructor(
    private readonly file: string,
    private readonly project: ComposeProject,
    private readonly readFile: ComposeSource['read'],
  ) {
    this.env = project.env;
  }

  read(): ComposeGraph {
    const doc = this.project.model;
    for (const key of Object.keys(doc)) {
      if (!key.startsWith('x-') && !topLevelKeys.has(key)) this.fail([key], 'is not a compose key (compose refuses it too)');
    }
    if (doc.version !== undefined && typeof doc.version !== 'string' && typeof doc.version !== 'number') this.fail(['version'], 'must be a string');
    const volumes = this.readTopLevelVolumes(doc.volumes);
    const networks = this.readTopLevelNetworks(doc.networks);
    const rawServices = doc.services;
    if (!isMapping(rawServices) || (Object.keys(rawServices).length === 0 && this.project.inactive.size === 0)) {
      this.fail(['services'], 'must map at least one service name to its definition');
    }
    if (Object.keys(rawServices).length === 0) {
      this.fail(['services'], `every service is in a profile that is not active (${[...this.project.inactive.keys()].join(', ')}): set COMPOSE_PROFILES`);
    }
    const services = record<ComposeService>();
    for (const name of Object.keys(rawServices).sort()) {
      services[name] = this.readService(name, rawServices[name], volumes, networks);
    }
    for (const service of Object.values(services)) this.checkReferences(service, services);
    const used = new Set(Object.values(services).flatMap((service) => Object.keys(service.networks)));
    if (used.has('default') && !Object.hasOwn(networks, 'default')) networks.default = { name: null, external: false, internal: false };
    return { services, startOrder: this.startOrder(services), volumes, networks: sortRecord(networks) };
  }

  private fail(path: Path, problem: string): never {
    throw new InputError(this.file, path.length === 0 ? undefined : fieldPath(path), problem);
  }

  private checkReferences(service: ComposeService, services: Record<string, ComposeService>): void {
    const at = ['services', service.name];
    for (const dependency of Object.keys(service.dependsOn)) {
      if (Object.hasOwn(services, dependency)) continue;
      const profiles = this.project.inactive.get(dependency);
      if (profiles) this.fail([...at, 'depends_on', dependency], `"${dependency}" is only in profile ${profiles.join(', ')}, which is not active: set COMPOSE_PROFILES (compose refuses this too)`);
      this.fail([...at, 'depends_on', dependency], `no service named "${dependency}"`);
    }
    const mode = service.networkMode;
    if (mode?.startsWith('service:') && !Object.hasOwn(services, mode.slice('service:'.length))) {
      this.fail([...at, 'network_mode'], `no service named "${mode.slice('service:'.length)}"`);
    }
  }

  private readTopLevelNetworks(value: unknown): Record<string, ComposeNetwork> {
    const networks = record<ComposeNetwork>();
    if (value === undefined || value === null) return networks;
    if (!isMapping(value)) this.fail(['networks'], 'must be a mapping of network names');
    for (const name of Object.keys(value).sort()) {
      const config = value[name];
      const path = ['networks', name];
      if (config !== null && !isMapping(config)) this.fail(path, 'must be empty or a mapping');
      networks[name] = {
        name: config?.name === undefined || config.name === null || config.name === '' ? null : this.string(config.name, [...path, 'name']),
        external: this.externalFlag(config?.external, [...path, 'external']),
        internal: config?.internal === undefined ? false : this.boolean(config.internal, [...path, 'internal']),
      };
    }
    return networks;
  }

  private readTopLevelVolumes(value: unknown): Record<string, ComposeVolume> {
    const volumes = record<ComposeVolume>();
    if (value === undefined || value === null) return volumes;
    if (!isMapping(value)) this.fail(['volumes'], 'must be a mapping of volume names');
    for (const name of Object.keys(value).sort()) {
      const path = ['volumes', name];
      if (!volumeNamePattern.test(name)) this.fail(path, 'must be a volume name: letters, digits, "_", "." and "-"');
      const config = value[name];
      if (config !== null && !isMapping(config)) this.fail(path, 'must be empty or a mapping');
      volumes[name] = {
        name: config?.name === undefined || config.name === null || config.name === '' ? null : this.string(config.name, [...path, 'name']),
        external: this.externalFlag(config?.external, [...path, 'external']),
      };
    }
    return volumes;
  }

  /** `external: true`, or the legacy `external: {name: x}` (which compose still reads as true). */
  private externalFlag(value: unknown, path: Path): boolean {
    if (value === undefined || value === null) return false;
    if (isMapping(value)) return true;
    return this.boolean(value, path);
  }

  private readService(name: string, value: unknown, volumes: Record<string, ComposeVolume>, networks: Record<string, ComposeNetwork>): ComposeService {
    const path = ['services', name];
    if (!serviceNamePattern.test(name)) this.fail(path, 'must be a compose service name: letters, digits, ".", "_" and "-"');
    if (!isMapping(value)) this.fail(path, 'must be a mapping');
    for (const key of Object.keys(value)) {
      if (!key.startsWith('x-') && !serviceKeys.has(key)) this.fail([...path, key], 'is not a compose service key (compose refuses it too)');
    }
    const at = (key: string) => [...path, key];
    const has = (key: string) => value[key] !== undefined && value[key] !== null;
    const service: ComposeService = {
      name,
      image: has('image') ? this.image(value.image, at('image')) : null,
      build: has('build') ? this.build(value.build, at('build')) : null,
      command: has('command') ? this.commandLine(value.command, at('command')) : null,
      entrypoint: has('entrypoint') ? this.commandLine(value.entrypoint, at('entrypoint')) : null,
      environment: this.environment(value, path),
      ports: has('ports') ? this.list(value.ports, at('ports')).map((entry, index) => this.port(entry, [...path, 'ports', index])) : [],
      expose: has('expose') ? this.list(value.expose, at('expose')).map((entry, index) => this.exposed(entry, [...path, 'expose', index])) : [],
      healthcheck: has('healthcheck') ? this.healthcheck(value.healthcheck, at('healthcheck')) : null,
      dependsOn: has('depends_on') ? this.dependsOn(value.depends_on, at('depends_on')) : record(),
      volumes: has('volumes') ? this.list(value.volumes, at('volumes')).map((entry, index) => this.mount(entry, [...path, 'volumes', index], volumes)) : [],
      workingDir: has('working_dir') ? this.string(value.working_dir, at('working_dir')) : null,
      user: has('user') ? this.scalar(value.user, at('user')) : null,
      labels: has('labels') ? this.variables(value.labels, at('labels')) : record(),
      restart: has('restart') && value.restart !== '' ? this.restart(value.restart, at('restart')) : null,
      networkMode: has('network_mode') ? this.string(value.network_mode, at('network_mode')) : null,
      networks: record(),
      profiles: has('profiles') ? this.list(value.profiles, at('profiles')).map((entry, index) => this.string(entry, [...path, 'profiles', index])) : [],
    };
    service.networks = this.serviceNetworks(value.networks, at('networks'), service.networkMode, networks);
    if (service.image === null && service.build === null) {
      this.fail(path, 'needs an image or a build: compose cannot start it and lockstep has nothing to pin');
    }
    if (Object.hasOwn(service.dependsOn, name)) this.fail([...path, 'depends_on', name], 'a service cannot depend on itself');
    return service;
  }

  /** An image that interpolates to nothing (`repo:${TAG}` with TAG unset) would run something other than what the file means. */
  private image(value: unknown, path: Path): string {
    const image = this.scalar(value, path).trim();
    if (image === '') this.fail(path, 'resolves to an empty image name (is a variable unset?)');
    if (/:$/.test(image) || /@$/.test(image)) this.fail(path, `"${image}" has an empty ${image.endsWith(':') ? 'tag' : 'digest'} (is a variable unset?)`);
    if (/^[:@/]/.test(image) || /\s/.test(image)) this.fail(path, `"${image}" is not an image reference (is a variable unset?)`);
    return image;
  }

  private build(value: unknown, path: Path): BuildSpec {
    const spec: BuildSpec = { context: '.', dockerfile: null, args: record() };
    if (typeof value === 'string') spec.context = value;
    else if (isMapping(value)) {
      for (const key of Object.keys(value)) {
        if (!key.startsWith('x-') && !buildKeys.has(key)) this.fail([...path, key], 'is not a compose build key (compose refuses it too)');
      }
      if (value.context !== undefined) spec.context = this.string(value.context, [...path, 'context']);
      if (value.dockerfile !== undefined) spec.dockerfile = this.string(value.dockerfile, [...path, 'dockerfile']);
      if (value.args !== undefined && value.args !== null) spec.args = this.variables(value.args, [...path, 'args']);
    } else this.fail(path, 'must be a context path or a mapping');
    const contextPath = typeof value === 'string' ? path : [...path, 'context'];
    if (isRemote(spec.context)) {
      this.fail(contextPath, 'a remote build context cannot be tied to a commit of this repository: build from a folder of it');
    }
    spec.context = this.fromProjectDir(spec.context);
    return spec;
  }

  /** The loader resolved paths against the project directory, the compose file's folder: normalised, without a trailing slash. */
  private fromProjectDir(path: string): string {
    return posix.normalize(path).replace(/(.)\/+$/, '$1');
  }

  private commandLine(value: unknown, path: Path): string[] | null {
    if (typeof value === 'string') {
      try {
        return shellWords(value);
      } catch (error) {
        if (error instanceof ShellWordsError) this.fail(path, error.message);
        throw error;
      }
    }
    return this.list(value, path).map((item, index) => this.scalar(item, [...path, index]));
  }

  /** What the container's environment holds: env_file entries in order, then `environment` over them. */
  private environment(value: Record<string, unknown>, path: Path): Record<string, string> {
    const fromFiles = readEnvFiles(value.env_file, this.readFile, this.env, path, this.file, this.project.projectDir);
    const own = value.environment === undefined || value.environment === null ? record<string>() : this.variables(value.environment, [...path, 'environment']);
    if (fromFiles.size === 0) return own;
    const merged = record<string>();
    for (const [key, item] of fromFiles) merged[key] = item;
    for (const [key, item] of Object.entries(own)) merged[key] = item;
    return sortRecord(merged);
  }

  /** `environment`, `build.args` and `labels`: a mapping or a `KEY=value` list; bare keys come from the environment. */
  private variables(value: unknown, path: Path): Record<string, string> {
    const out = record<string>();
    const seen = new Set<string>();
    const put = (key: string, item: string | undefined, at: Path) => {
      if (key === '') this.fail(at, 'has an empty name');
      if (seen.has(key)) this.fail(at, `sets ${key} twice`);
      seen.add(key);
      if (item !== undefined) out[key] = item;
    };
    if (Array.isArray(value)) {
      value.forEach((entry, index) => {
        const text = this.string(entry, [...path, index]);
        const equals = text.indexOf('=');
        if (equals < 0) put(text, this.env[text], [...path, index]);
        else put(text.slice(0, equals), text.slice(equals + 1), [...path, index]);
      });
    } else if (isMapping(value)) {
      for (const [key, item] of Object.entries(value)) {
        put(key, item === null ? this.env[key] : this.scalar(item, [...path, key]), [...path, key]);
      }
    } else this.fail(path, 'must be a mapping or a list of KEY=value');
    return sortRecord(out);
  }

  private port(value: unknown, path: Path): PortMapping {
    if (typeof value === 'number') return { target: this.portNumber(value, path, false), published: null, hostIp: null, protocol: 'tcp' };
    if (typeof value === 'string') {
      const match = /^(?:(?:(\[[0-9A-Fa-f:.]+\]|[0-9.]*|[0-9A-Fa-f:]+::?[0-9A-Fa-f:]*):)?([0-9]*(?:-[0-9]+)?):)?([0-9]+(?:-[0-9]+)?)(?:\/(tcp|udp|sctp))?$/.exec(value.trim());
      if (!match) this.fail(path, 'must be a port mapping such as "8080", "8080:80", "127.0.0.1:8080:80" or "8000-8009:80-89"');
      const [, hostIp, published, target, protocol] = match;
      const targetRange = this.portRange(target!, path, false);
      const publishedRange = published ? this.portRange(published, path, true) : null;
      if (publishedRange && publishedRange.count !== targetRange.count && targetRange.count !== 1) {
        this.fail(path, `maps ${publishedRange.count} host ports onto ${targetRange.count} container ports`);
      }
      return {
        target: targetRange.first,
        published: publishedRange ? publishedRange.first : null,
        hostIp: hostIp ? hostIp.replace(/^\[(.*)\]$/, '$1') : null,
        protocol: (protocol ?? 'tcp') as PortMapping['protocol'],
        ...(targetRange.count > 1 ? { count: targetRange.count } : {}),
      };
    }
    if (!isMapping(value)) this.fail(path, 'must be a port mapping string or a mapping with target');
    if (value.target === undefined || value.target === null) this.fail([...path, 'target'], 'is required');
    const protocol = value.protocol ?? 'tcp';
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') this.fail([...path, 'protocol'], 'must be tcp, udp or sctp');
    let published: number | null = null;
    let count = 1;
    if (value.published !== undefined && value.published !== null && value.published !== '') {
      const range = this.portRange(this.scalar(value.published, [...path, 'published']), [...path, 'published'], true);
      published = range.first;
      count = range.count;
    }
    const target = this.scalar(value.target, [...path, 'target']);
    if (!/^[0-9]+$/.test(target)) this.fail([...path, 'target'], 'must be a port number');
    return {
      target: this.portNumber(Number(target), [...path, 'target'], false),
      published,
      hostIp: value.host_ip === undefined || value.host_ip === null ? null : this.string(value.host_ip, [...path, 'host_ip']),
      protocol,
      ...(count > 1 ? { count } : {}),
    };
  }

  private portRange(text: string, path: Path, allowZero: boolean): { first: number; count: number } {
    const match = /^([0-9]+)(?:-([0-9]+))?$/.exec(text);
    if (!match) this.fail(path, 'must be a port number or a range such as 8000-8009');
    const first = this.portNumber(Number(match[1]), path, allowZero);
    const last = match[2] === undefined ? first : this.portNumber(Number(match[2]), path, allowZero);
    if (last < first) this.fail(path, `the range ${text} ends before it starts`);
    return { first, count: last - first + 1 };
  }

  private exposed(value: unknown, path: Path): number {
    const text = this.scalar(value, path);
    const match = /^([0-9]+)(?:-[0-9]+)?(?:\/(tcp|udp|sctp))?$/.exec(text);
    if (!match) this.fail(path, 'must be a port number such as 8080, "8080/tcp" or a range "8000-8009"');
    return this.portNumber(Number(match[1]), path, false);
  }

  private portNumber(value: number, path: Path, allowZero: boolean): number {
    if (!Number.isInteger(value) || value < (allowZero ? 0 : 1) || value > 65_535) this.fail(path, `port ${value} is outside 1-65535`);
    return value;
  }

  private healthcheck(value: unknown, path: Path): Healthcheck {
    if (!isMapping(value)) this.fail(path, 'must be a mapping');
    for (const key of Object.keys(value)) {
      if (!key.startsWith('x-') && !healthcheckKeys.has(key)) this.fail([...path, key], 'is not a compose healthcheck key (compose refuses it too)');
    }
    const check: Healthcheck = { test: null, disabled: false, ...healthDefaults };
    if (value.disable !== undefined && value.disable !== null) check.disabled = this.boolean(value.disable, [...path, 'disable']);
    if (value.test !== undefined && value.test !== null) {
      const at = [...path, 'test'];
      if (typeof value.test === 'string') check.test = ['CMD-SHELL', value.test];
      else {
        const test = this.list(value.test, at).map((item, index) => this.scalar(item, [...at, index]));
        if (!['CMD', 'CMD-SHELL', 'NONE'].includes(test[0] ?? '')) this.fail(at, 'must be a string or a list starting with CMD, CMD-SHELL or NONE');
        if (test[0] !== 'NONE' && test.length < 2) this.fail(at, `${test[0]} needs a command`);
        check.test = test;
        if (test[0] === 'NONE') check.disabled = true;
      }
    }
    if (check.disabled) check.test = ['NONE'];
    const duration = (key: 'interval' | 'timeout' | 'start_period', field: 'intervalMs' | 'timeoutMs' | 'startPeriodMs') => {
      const raw = value[key];
      if (raw === undefined || raw === null) return;
      const ms = typeof raw === 'string' ? parseComposeDuration(raw) : null;
      if (ms === null) this.fail([...path, key], 'must be a duration such as 10s, 1m30s or 500ms');
      check[field] = ms;
    };
    duration('interval', 'intervalMs');
    duration('timeout', 'timeoutMs');
    duration('start_period', 'startPeriodMs');
    if (value.retries !== undefined && value.retries !== null) check.retries = this.wholeNumber(value.retries, [...path, 'retries']);
    return check;
  }

  private dependsOn(value: unknown, path: Path): Record<string, { condition: DependsOnCondition }> {
    const out = record<{ condition: DependsOnCondition }>();
    if (Array.isArray(value)) {
      value.forEach((entry, index) => {
        const name = this.string(entry, [...path, index]);
        if (Object.hasOwn(out, name)) this.fail([...path, index], `names ${name} twice`);
        out[name] = { condition: 'service_started' };
      });
    } else if (isMapping(value)) {
      for (const [name, config] of Object.entries(value)) {
        const at = [...path, name];
        if (config === null) {
          out[name] = { condition: 'service_started' };
          continue;
        }
        if (!isMapping(config)) this.fail(at, 'must be a mapping with a condition');
        // `required: false`: compose starts the service without it when it is not part of the project.
        if (config.required !== undefined && !this.boolean(config.required, [...at, 'required']) && !this.isService(name)) continue;
        const condition = config.condition ?? 'service_started';
        if (!conditions.includes(condition as DependsOnCondition)) this.fail([...at, 'condition'], `must be one of ${conditions.join(', ')}`);
        out[name] = { condition: condition as DependsOnCondition };
      }
    } else this.fail(path, 'must be a list of service names or a mapping');
    return sortRecord(out);
  }

  private isService(name: string): boolean {
    return isMapping(this.project.model.services) && Object.hasOwn(this.project.model.services, name);
  }

  private serviceNetworks(value: unknown, path: Path, networkMode: string | null, networks: Record<string, ComposeNetwork>): Record<string, ServiceNetwork> {
    const out = record<ServiceNetwork>();
    if (value === undefined || value === null) {
      if (networkMode === null) out.default = { aliases: [] };
      return out;
    }
    if (networkMode !== null) this.fail(path, `cannot be set with network_mode ${networkMode} (compose refuses both)`);
    const entries: Array<[string, unknown, Path]> = Array.isArray(value)
      ? value.map((entry, index) => [this.string(entry, [...path, index]), null, [...path, index]])
      : isMapping(value)
        ? Object.entries(value).map(([name, config]) => [name, config, [...path, name]])
        : this.fail(path, 'must be a list or a mapping of networks');
    for (const [name, config, at] of entries) {
      if (name !== 'default' && !Object.hasOwn(networks, name)) this.fail(at, `network "${name}" is not declared under the top-level networks key (compose refuses it too)`);
      if (config !== null && !isMapping(config)) this.fail(at, 'must be empty or a mapping');
      const aliases = config?.aliases === undefined || config.aliases === null ? [] : this.list(config.aliases, [...at, 'aliases']).map((alias, index) => this.string(alias, [...at, 'aliases', index]));
      out[name] = { aliases };
    }
    return sortRecord(out);
  }

  private mount(value: unknown, path: Path, volumes: Record<string, ComposeVolume>): VolumeMount {
    let source: string | null;
    let target: string;
    let readOnly = false;
    let type: string;
    if (typeof value === 'string') {
      // SOURCE:TARGET[:MODE], where MODE is a comma list (ro, rw, z, Z, cached, delegated, nocopy, ...).
      const parts = value.split(':');
      if (parts.length > 3) this.fail(path, 'must be "volume:/path", "./dir:/path[:mode]" or "/path"');
      if (parts.some((part) => part === '')) this.fail(path, `"${value}" has an empty part (is a variable unset?)`);
      const [first = '', second = '', mode = ''] = parts;
      if (parts.length === 1) {
        [source, target] = [null, first];
        type = 'volume';
      } else {
        [source, target] = [first, second];
        readOnly = mode.split(',').includes('ro');
        type = /^[./~]/.test(source) ? 'bind' : 'volume';
      }
    } else if (isMapping(value)) {
      type = value.type === undefined ? 'volume' : this.string(value.type, [...path, 'type']);
      source = value.source === undefined || value.source === null || value.source === '' ? null : this.string(value.source, [...path, 'source']);
      if (value.target === undefined || value.target === null) this.fail([...path, 'target'], 'is required');
      target = this.string(value.target, [...path, 'target']);
      if (value.read_only !== undefined && value.read_only !== null) readOnly = this.boolean(value.read_only, [...path, 'read_only']);
    } else this.fail(path, 'must be a volume string or a mapping');
    if (!mountTypes.has(type as VolumeMount['type'])) this.fail(path, `mount type "${type}" is not one compose knows (volume, bind, tmpfs, npipe, cluster, image)`);
    if (!target.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(target)) this.fail(path, `the target ${target} must be an absolute path in the container`);
    if (type === 'volume' && source !== null && !Object.hasOwn(volumes, source)) {
      this.fail(path, `named volume "${source}" is not declared under the top-level volumes key (compose refuses it too)`);
    }
    if (type === 'bind' && source !== null) source = this.fromProjectDir(source);
    return { type: type as VolumeMount['type'], source, target, readOnly };
  }

  private restart(value: unknown, path: Path): string {
    const text = this.string(value, path);
    if (!/^(no|always|unless-stopped|on-failure(:[0-9]+)?)$/.test(text)) this.fail(path, 'must be no, always, on-failure[:N] or unless-stopped');
    return text;
  }

  /** Dependencies first (Kahn's algorithm, ties by name); a cycle is an input error naming it. */
  private startOrder(services: Record<string, ComposeService>): string[] {
    const remaining = new Map(Object.values(services).map((service) => [service.name, new Set(Object.keys(service.dependsOn))]));
    const order: string[] = [];
    while (remaining.size > 0) {
      const ready = [...remaining].filter(([, deps]) => deps.size === 0).map(([name]) => name).sort();
      if (ready.length === 0) {
        const cycle = findCycle(remaining);
        this.fail(['services', cycle[0]!, 'depends_on'], `dependency cycle: ${cycle.join(' -> ')}`);
      }
      for (const name of ready) {
        order.push(name);
        remaining.delete(name);
        for (const deps of remaining.values()) deps.delete(name);
      }
    }
    return order;
  }

  private list(value: unknown, path: Path): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'must be a list');
    return value;
  }

  private string(value: unknown, path: Path): string {
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string' || value === '') this.fail(path, 'must be a non-empty string');
    return value;
  }

  /** Numbers and booleans are written unquoted in compose files and mean their text. */
  private scalar(value: unknown, path: Path): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.fail(path, 'must be a string, a number or a boolean');
  }

  /** Compose converts interpolated text to the type the key needs: `retries: $RETRIES` is a number. */
  private wholeNumber(value: unknown, path: Path): number {
    const number = typeof value === 'string' && /^\s*[0-9]+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) this.fail(path, 'must be a whole number');
    return number;
  }

  /** Booleans as compose converts them after interpolation: true/false, yes/no, on/off, y/n, 1/0. */
  private boolean(value: unknown, path: Path): boolean {
    if (typeof value === 'boolean') return value;
    const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim().toLowerCase() : '';
    if (['true', 'yes', 'y', 'on', '1'].includes(text)) return true;
    if (['false', 'no', 'n', 'off', '0'].includes(text)) return false;
    this.fail(path, 'must be true or false');
  }
}

function findCycle(remaining: Map<string, Set<string>>): string[] {
  const start = [...remaining.keys()].sort()[0]!;
  const seen: string[] = [];
  let current = start;
  while (!seen.includes(current)) {
    seen.push(current);
    current = [...remaining.get(current)!].sort()[0]!;
  }
  return [...seen.slice(seen.indexOf(current)), current];
}

/** A record keyed by names from the file: null-prototype, so `constructor` or `__proto__` is an ordinary key. */
function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function sortRecord<T>(input: Record<string, T>): Record<string, T> {
  const out = record<T>();
  for (const [key, value] of Object.entries(input).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[key] = value;
  return out;
}
