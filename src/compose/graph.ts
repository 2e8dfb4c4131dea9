import { posix } from 'node:path';
import { InputError } from '../errors.js';
import { fieldPath, parseYamlText } from '../io/readDocument.js';
import { serviceName as serviceNameSchema } from '../lock/schema.js';
import { parseComposeDuration } from './duration.js';
import { interpolateDocument, InterpolationAtError, type Environment } from './interpolate.js';
import { shellWords, ShellWordsError } from './shellWords.js';

/**
 * The compose file read once into a typed service graph. Everything lockstep does with a stack (the
 * plan the Dagger module builds services from, the image override, the health wait, the suite
 * addresses) reads this graph, never the YAML. Keys lockstep does not model are refused with their
 * path instead of being silently ignored: a stack that starts differently than the graph says would
 * make the pipeline lie.
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
  /** The container port. */
  target: number;
  /** The host port, or null for one the daemon picks. */
  published: number | null;
  hostIp: string | null;
  protocol: 'tcp' | 'udp';
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
  type: 'volume';
  /** The named volume, or null for an anonymous one. */
  source: string | null;
  target: string;
  readOnly: boolean;
}

export interface ComposeVolume {
  /** The volume name compose creates (`name:`), or null for `<project>_<key>`. */
  name: string | null;
  external: boolean;
}

export interface ComposeService {
  name: string;
  image: string | null;
  build: BuildSpec | null;
  command: string[] | null;
  entrypoint: string[] | null;
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
}

export interface ComposeGraph {
  /** Services by name, in name order. Every service is on the one default network. */
  services: Record<string, ComposeService>;
  /** Dependencies before dependents; ties in name order. */
  startOrder: string[];
  volumes: Record<string, ComposeVolume>;
}

type Path = Array<string | number>;
type Mapping = Record<string, unknown>;

const healthDefaults = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 };
const conditions: DependsOnCondition[] = ['service_started', 'service_healthy', 'service_completed_successfully'];
const volumeNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const topLevelHints: Record<string, string> = {
  name: 'unsupported compose key (lockstep names the project: --project)',
  include: 'unsupported compose key (put the whole system in one file)',
};

/** Parses compose YAML (already read) into the graph; `env` feeds `${VAR}` interpolation. */
export function parseComposeGraph(file: string, text: string, env: Environment): ComposeGraph {
  const raw = parseYamlText(file, text);
  return new GraphReader(file, env).read(raw);
}

class GraphReader {
  constructor(
    private readonly file: string,
    private readonly env: Environment,
  ) {}

  read(raw: unknown): ComposeGraph {
    if (!isMapping(raw)) this.fail([], 'must be a mapping with a services key');
    let doc: Mapping;
    try {
      doc = interpolateDocument(raw, this.env) as Mapping;
    } catch (error) {
      if (error instanceof InterpolationAtError) this.fail(error.path, error.message);
      throw error;
    }
    for (const key of Object.keys(doc)) {
      if (key.startsWith('x-') || ['version', 'services', 'volumes', 'networks'].includes(key)) continue;
      this.fail([key], topLevelHints[key] ?? 'unsupported compose key');
    }
    if (doc.version !== undefined && typeof doc.version !== 'string') this.fail(['version'], 'must be a string');
    this.readTopLevelNetworks(doc.networks);
    const volumes = this.readTopLevelVolumes(doc.volumes);
    const rawServices = doc.services;
    if (!isMapping(rawServices) || Object.keys(rawServices).length === 0) this.fail(['services'], 'must map at least one service name to its definition');
    const services: Record<string, ComposeService> = {};
    for (const name of Object.keys(rawServices).sort()) {
      services[name] = this.readService(name, rawServices[name], volumes);
    }
    for (const service of Object.values(services)) {
      for (const dependency of Object.keys(service.dependsOn)) {
        if (!services[dependency]) this.fail(['services', service.name, 'depends_on', dependency], `no service named "${dependency}"`);
      }
    }
    return { services, startOrder: this.startOrder(services), volumes };
  }

  private fail(path: Path, problem: string): never {
    throw new InputError(this.file, path.length === 0 ? undefined : fieldPath(path), problem);
  }

  private readTopLevelNetworks(value: unknown): void {
    if (value === undefined || value === null) return;
    if (!isMapping(value)) this.fail(['networks'], 'must be a mapping');
    for (const [name, config] of Object.entries(value)) {
      if (name !== 'default') this.fail(['networks', name], 'only the default network is supported: every stack runs on its own default network');
      if (config !== null && !(isMapping(config) && Object.keys(config).length === 0)) {
        this.fail(['networks', 'default'], 'configuring the default network is not supported');
      }
    }
  }

  private readTopLevelVolumes(value: unknown): Record<string, ComposeVolume> {
    const volumes: Record<string, ComposeVolume> = {};
    if (value === undefined || value === null) return volumes;
    if (!isMapping(value)) this.fail(['volumes'], 'must be a mapping of volume names');
    for (const name of Object.keys(value).sort()) {
      const path = ['volumes', name];
      if (!volumeNamePattern.test(name)) this.fail(path, 'must be a volume name: letters, digits, "_", "." and "-"');
      const config = value[name];
      if (config === null) {
        volumes[name] = { name: null, external: false };
        continue;
      }
      if (!isMapping(config)) this.fail(path, 'must be empty or a mapping');
      this.allowKeys(config, path, ['name', 'external']);
      const external = config.external ?? false;
      if (typeof external !== 'boolean') this.fail([...path, 'external'], 'must be true or false');
      const explicitName = config.name === undefined ? null : this.string(config.name, [...path, 'name']);
      volumes[name] = { name: explicitName, external };
    }
    return volumes;
  }

  private readService(name: string, value: unknown, volumes: Record<string, ComposeVolume>): ComposeService {
    const path = ['services', name];
    const valid = serviceNameSchema.safeParse(name);
    if (!valid.success) this.fail(path, valid.error.issues[0]!.message);
    if (!isMapping(value)) this.fail(path, 'must be a mapping');
    const service: ComposeService = {
      name,
      image: null,
      build: null,
      command: null,
      entrypoint: null,
      environment: {},
      ports: [],
      expose: [],
      healthcheck: null,
      dependsOn: {},
      volumes: [],
      workingDir: null,
      user: null,
      labels: {},
      restart: null,
    };
    for (const [key, item] of Object.entries(value)) {
      const at = [...path, key];
      if (key.startsWith('x-')) continue;
      switch (key) {
        case 'image':
          service.image = this.string(item, at);
          break;
        case 'build':
          service.build = this.build(item, at);
          break;
        case 'command':
          service.command = this.commandLine(item, at);
          break;
        case 'entrypoint':
          service.entrypoint = this.commandLine(item, at);
          break;
        case 'environment':
          service.environment = this.variables(item, at);
          break;
        case 'ports':
          service.ports = this.list(item, at).map((entry, index) => this.port(entry, [...at, index]));
          break;
        case 'expose':
          service.expose = this.list(item, at).map((entry, index) => this.exposed(entry, [...at, index]));
          break;
        case 'healthcheck':
          service.healthcheck = this.healthcheck(item, at);
          break;
        case 'depends_on':
          service.dependsOn = this.dependsOn(item, at);
          break;
        case 'networks':
          this.serviceNetworks(item, at);
          break;
        case 'volumes':
          service.volumes = this.list(item, at).map((entry, index) => this.mount(entry, [...at, index], volumes));
          break;
        case 'working_dir':
          service.workingDir = this.string(item, at);
          break;
        case 'user':
          service.user = this.scalar(item, at);
          break;
        case 'labels':
          service.labels = this.variables(item, at);
          break;
        case 'restart':
          service.restart = this.restart(item, at);
          break;
        default:
          this.fail(at, 'unsupported compose key');
      }
    }
    if (service.image === null && service.build === null) this.fail(path, 'needs an image or a build');
    if (service.dependsOn[name]) this.fail([...path, 'depends_on', name], 'a service cannot depend on itself');
    return service;
  }

  private build(value: unknown, path: Path): BuildSpec {
    const spec: BuildSpec = { context: '.', dockerfile: null, args: {} };
    if (typeof value === 'string') spec.context = value;
    else if (isMapping(value)) {
      this.allowKeys(value, path, ['context', 'dockerfile', 'args']);
      if (value.context !== undefined) spec.context = this.string(value.context, [...path, 'context']);
      if (value.dockerfile !== undefined) spec.dockerfile = this.string(value.dockerfile, [...path, 'dockerfile']);
      if (value.args !== undefined) spec.args = this.variables(value.args, [...path, 'args']);
    } else this.fail(path, 'must be a context path or a mapping');
    const contextPath = typeof value === 'string' ? path : [...path, 'context'];
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec.context) || spec.context.startsWith('git@')) {
      this.fail(contextPath, 'remote build contexts are not supported: use a folder of the repository');
    }
    spec.context = posix.normalize(spec.context).replace(/(.)\/+$/, '$1');
    return spec;
  }

  private commandLine(value: unknown, path: Path): string[] | null {
    if (value === null) return null;
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

  /** `environment`, `build.args` and `labels`: a mapping or a `KEY=value` list; bare keys come from the environment. */
  private variables(value: unknown, path: Path): Record<string, string> {
    const out: Record<string, string> = {};
    const put = (key: string, item: string | undefined, at: Path) => {
      if (key === '') this.fail(at, 'has an empty name');
      if (Object.hasOwn(out, key)) this.fail(at, `sets ${key} twice`);
      if (item !== undefined) out[key] = item;
    };
    if (value === null) return out;
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
      const match = /^(?:(?:(\[[0-9A-Fa-f:.]+\]|[0-9.]+):)?([0-9]*):)?([0-9]+)(?:\/(tcp|udp))?$/.exec(value);
      if (!match) {
        if (/[0-9]-[0-9]/.test(value)) this.fail(path, 'port ranges are not supported');
        this.fail(path, 'must be a port mapping such as "8080", "8080:80" or "127.0.0.1:8080:80"');
      }
      const [, hostIp, published, target, protocol] = match;
      return {
        target: this.portNumber(Number(target), path, false),
        published: published ? this.portNumber(Number(published), path, true) : null,
        hostIp: hostIp ? hostIp.replace(/^\[(.*)\]$/, '$1') : null,
        protocol: (protocol ?? 'tcp') as 'tcp' | 'udp',
      };
    }
    if (!isMapping(value)) this.fail(path, 'must be a port mapping string or a mapping with target');
    this.allowKeys(value, path, ['target', 'published', 'host_ip', 'protocol']);
    if (value.target === undefined) this.fail([...path, 'target'], 'is required');
    const protocol = value.protocol ?? 'tcp';
    if (protocol !== 'tcp' && protocol !== 'udp') this.fail([...path, 'protocol'], 'must be tcp or udp');
    let published: number | null = null;
    if (value.published !== undefined && value.published !== null && value.published !== '') {
      const text = this.scalar(value.published, [...path, 'published']);
      if (!/^[0-9]+$/.test(text)) this.fail([...path, 'published'], /-/.test(text) ? 'port ranges are not supported' : 'must be a port number');
      published = this.portNumber(Number(text), [...path, 'published'], true);
    }
    const target = this.scalar(value.target, [...path, 'target']);
    if (!/^[0-9]+$/.test(target)) this.fail([...path, 'target'], 'must be a port number');
    return {
      target: this.portNumber(Number(target), [...path, 'target'], false),
      published,
      hostIp: value.host_ip === undefined ? null : this.string(value.host_ip, [...path, 'host_ip']),
      protocol,
    };
  }

  private exposed(value: unknown, path: Path): number {
    const text = this.scalar(value, path);
    const match = /^([0-9]+)(?:\/(tcp|udp))?$/.exec(text);
    if (!match) this.fail(path, /[0-9]-[0-9]/.test(text) ? 'port ranges are not supported' : 'must be a port number such as 8080 or "8080/tcp"');
    return this.portNumber(Number(match[1]), path, false);
  }

  private portNumber(value: number, path: Path, allowZero: boolean): number {
    if (!Number.isInteger(value) || value < (allowZero ? 0 : 1) || value > 65_535) this.fail(path, `port ${value} is outside 1-65535`);
    return value;
  }

  private healthcheck(value: unknown, path: Path): Healthcheck {
    if (!isMapping(value)) this.fail(path, 'must be a mapping');
    this.allowKeys(value, path, ['test', 'interval', 'timeout', 'retries', 'start_period', 'disable']);
    const check: Healthcheck = { test: null, disabled: false, ...healthDefaults };
    if (value.disable !== undefined) {
      if (typeof value.disable !== 'boolean') this.fail([...path, 'disable'], 'must be true or false');
      check.disabled = value.disable;
    }
    if (value.test !== undefined) {
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
      if (value[key] === undefined) return;
      const ms = typeof value[key] === 'string' ? parseComposeDuration(value[key]) : null;
      if (ms === null) this.fail([...path, key], 'must be a duration such as 10s, 1m30s or 500ms');
      check[field] = ms;
    };
    duration('interval', 'intervalMs');
    duration('timeout', 'timeoutMs');
    duration('start_period', 'startPeriodMs');
    if (value.retries !== undefined) {
      if (!Number.isInteger(value.retries) || (value.retries as number) < 0) this.fail([...path, 'retries'], 'must be a whole number');
      check.retries = value.retries as number;
    }
    return check;
  }

  private dependsOn(value: unknown, path: Path): Record<string, { condition: DependsOnCondition }> {
    const out: Record<string, { condition: DependsOnCondition }> = {};
    if (Array.isArray(value)) {
      value.forEach((entry, index) => {
        const name = this.string(entry, [...path, index]);
        if (out[name]) this.fail([...path, index], `names ${name} twice`);
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
        this.allowKeys(config, at, ['condition']);
        const condition = config.condition ?? 'service_started';
        if (!conditions.includes(condition as DependsOnCondition)) this.fail([...at, 'condition'], `must be one of ${conditions.join(', ')}`);
        out[name] = { condition: condition as DependsOnCondition };
      }
    } else this.fail(path, 'must be a list of service names or a mapping');
    return sortRecord(out);
  }

  private serviceNetworks(value: unknown, path: Path): void {
    const names = Array.isArray(value)
      ? value.map((entry, index) => [this.string(entry, [...path, index]), null] as const)
      : isMapping(value)
        ? Object.entries(value)
        : this.fail(path, 'must be a list or a mapping of networks');
    names.forEach(([name, config], index) => {
      const at = Array.isArray(value) ? [...path, index] : [...path, name];
      if (name !== 'default') this.fail(at, 'only the default network is supported: every stack runs on its own default network');
      if (config !== null && !(isMapping(config) && Object.keys(config).length === 0)) this.fail(at, 'network options are not supported');
    });
  }

  private mount(value: unknown, path: Path, volumes: Record<string, ComposeVolume>): VolumeMount {
    let source: string | null;
    let target: string;
    let readOnly = false;
    let type = 'volume';
    if (typeof value === 'string') {
      const parts = value.split(':');
      if (parts.length > 3 || parts.some((part) => part === '')) this.fail(path, 'must be "volume:/path", "volume:/path:ro" or "/path"');
      if (parts.length === 1) [source, target] = [null, parts[0]!];
      else {
        [source, target] = [parts[0]!, parts[1]!];
        if (parts[2] !== undefined) {
          if (parts[2] !== 'ro' && parts[2] !== 'rw') this.fail(path, `mount mode "${parts[2]}" is not supported (ro or rw)`);
          readOnly = parts[2] === 'ro';
        }
        if (/^[./~]/.test(source)) type = 'bind';
      }
    } else if (isMapping(value)) {
      this.allowKeys(value, path, ['type', 'source', 'target', 'read_only']);
      type = value.type === undefined ? 'volume' : this.string(value.type, [...path, 'type']);
      source = value.source === undefined || value.source === null ? null : this.string(value.source, [...path, 'source']);
      if (value.target === undefined) this.fail([...path, 'target'], 'is required');
      target = this.string(value.target, [...path, 'target']);
      if (value.read_only !== undefined) {
        if (typeof value.read_only !== 'boolean') this.fail([...path, 'read_only'], 'must be true or false');
        readOnly = value.read_only;
      }
    } else this.fail(path, 'must be a volume string or a mapping');
    if (type === 'bind') this.fail(path, 'bind mounts are not supported: a stack runs from its images alone (use a named volume)');
    if (type !== 'volume') this.fail(path, `mount type "${type}" is not supported (volume only)`);
    if (!target.startsWith('/')) this.fail(path, `the target ${target} must be an absolute path in the container`);
    if (source !== null && !volumes[source]) this.fail(path, `named volume "${source}" is not declared under the top-level volumes key`);
    return { type: 'volume', source, target, readOnly };
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

  private allowKeys(value: Mapping, path: Path, allowed: string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key) && !key.startsWith('x-')) this.fail([...path, key], 'unsupported compose key');
    }
  }

  private list(value: unknown, path: Path): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'must be a list');
    return value;
  }

  private string(value: unknown, path: Path): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'must be a non-empty string');
    return value;
  }

  /** Numbers and booleans are written unquoted in compose files and mean their text. */
  private scalar(value: unknown, path: Path): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.fail(path, 'must be a string, a number or a boolean');
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

function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sortRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
