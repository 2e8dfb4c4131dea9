/**
 * The stack as Dagger services, planned from `lockstep --json stack plan --lock <lock>`: which image
 * (by digest) each compose service runs, its environment, ports and healthcheck, which services it
 * can reach, and how each test suite runs against them. Pure: index.ts turns it into containers.
 */

export interface StackHealthcheck {
  /** The command without its CMD / CMD-SHELL marker. */
  args: string[];
  /** CMD-SHELL: one string run by the image's shell. */
  shell: boolean;
  interval: string;
  timeout: string;
  startPeriod: string;
  retries: number;
}

export interface StackService {
  name: string;
  /** repository@sha256:... exactly as the lock pins it. */
  image: string;
  entrypoint: string[] | null;
  command: string[] | null;
  environment: Record<string, string>;
  ports: number[];
  healthcheck: StackHealthcheck | null;
  workingDir: string | null;
  user: string | null;
  /** Services it reaches by name: every service started before it, as on one compose network. */
  binds: string[];
}

export interface StackSuite {
  name: string;
  image: string;
  command: string[];
  /** Folder relative to the config file's directory, mounted read-only at /suite (the working directory); null for none. */
  directory: string | null;
  env: Record<string, string>;
}

/** The parts of `lockstep stack plan --json` (src/stack/plan.ts) the module runs. */
export interface StackPlan {
  /** In start order: dependencies first. */
  services: StackService[];
  /** `<NAME>_HOST`, `<NAME>_PORT`, `<NAME>_URL` for every service with a port: what every suite gets. */
  addresses: Record<string, string>;
  suites: StackSuite[];
}

export class StackPlanError extends Error {
  override readonly name = 'StackPlanError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`stack plan: ${field}: ${problem}`);
  }
}

export const suiteMountPath = '/suite';

type Mapping = Record<string, unknown>;

/**
 * Reads the JSON `stack plan` prints. Anything the services need that is missing or of the wrong type
 * fails here, naming the field, rather than as a confusing engine error later.
 */
export function parseStackPlan(text: string): StackPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new StackPlanError('(document)', 'is not JSON: is the CLI older than the module?');
  }
  const doc = mapping(raw, '(document)');
  if (doc.kind !== 'StackPlan') throw new StackPlanError('kind', `must be StackPlan, not ${JSON.stringify(doc.kind)}`);
  const entries = Object.entries(mapping(doc.services, 'services'));
  if (entries.length === 0) throw new StackPlanError('services', 'names no service');
  const byName = new Map(entries.map(([name, value]) => [name, readService(name, mapping(value, `services.${name}`))]));
  const order = doc.startOrder === undefined ? startOrder(byName) : list(doc.startOrder, 'startOrder').map((name, index) => stringValue(name, `startOrder[${index}]`));
  if (order.length !== byName.size || new Set(order).size !== order.length || order.some((name) => !byName.has(name))) {
    throw new StackPlanError('startOrder', 'must list every service exactly once');
  }
  const services: StackService[] = [];
  for (const name of order) {
    const service = byName.get(name)!;
    const started = new Set(services.map((earlier) => earlier.name));
    for (const dependency of service.dependsOn) {
      if (!byName.has(dependency)) throw new StackPlanError(`services.${name}.dependsOn`, `no service named "${dependency}"`);
      if (!started.has(dependency)) throw new StackPlanError('startOrder', `${name} starts before ${dependency}, which it depends on`);
    }
    services.push({ ...service.spec, binds: [...started] });
  }
  const suites = doc.suites === undefined ? [] : list(doc.suites, 'suites').map((suite, index) => readSuite(mapping(suite, `suites[${index}]`), `suites[${index}]`));
  return { services, addresses: stringRecord(doc.addresses, 'addresses'), suites };
}

/** Where a suite's folder is in the repository: plan paths are relative to the config file's directory. */
export function suiteSourcePath(configFile: string | undefined, directory: string): string {
  const configDir = configFile === undefined ? '' : configFile.split('/').slice(0, -1).join('/');
  const parts: string[] = [];
  for (const part of [...configDir.split('/'), ...directory.split('/')]) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (parts.pop() === undefined) throw new StackPlanError('suites.directory', `${directory} leaves the repository`);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

/** What a suite container gets, in the precedence `stack test` uses: addresses, then the suite's own. */
export function suiteEnvironment(plan: StackPlan, suite: StackSuite): Record<string, string> {
  return { ...plan.addresses, STACK_PROJECT: 'dagger', ...suite.env };
}

function readService(name: string, value: Mapping): { spec: Omit<StackService, 'binds'>; dependsOn: string[] } {
  const at = `services.${name}`;
  if (value.image === null || value.image === undefined) {
    throw new StackPlanError(`${at}.image`, 'is missing: the lock does not pin this service and it has no pinned image (the engine builds nothing)');
  }
  const image = stringField(value, 'image', at);
  if (!/@sha256:[0-9a-f]{64}$/.test(image)) throw new StackPlanError(`${at}.image`, `"${image}" is not pinned by digest`);
  const ports = new Set<number>();
  for (const port of value.expose === undefined ? [] : list(value.expose, `${at}.expose`)) ports.add(portNumber(port, `${at}.expose`));
  for (const [index, port] of (value.ports === undefined ? [] : list(value.ports, `${at}.ports`)).entries()) {
    ports.add(portNumber(typeof port === 'object' && port !== null ? (port as Mapping).target : port, `${at}.ports[${index}]`));
  }
  return {
    spec: {
      name,
      image,
      entrypoint: optionalWords(value.entrypoint, `${at}.entrypoint`),
      command: optionalWords(value.command, `${at}.command`),
      environment: stringRecord(value.environment, `${at}.environment`),
      ports: [...ports].sort((a, b) => a - b),
      healthcheck: readHealthcheck(value.healthcheck, `${at}.healthcheck`),
      workingDir: optionalString(value.workingDir, `${at}.workingDir`),
      user: optionalString(value.user, `${at}.user`),
    },
    dependsOn: readDependsOn(value.dependsOn, `${at}.dependsOn`),
  };
}

function readDependsOn(value: unknown, at: string): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((name, index) => stringValue(name, `${at}[${index}]`));
  return Object.keys(mapping(value, at)).sort();
}

/** Compose healthchecks, for Container.withDockerHealthcheck; NONE and "use the image's own" give null. */
function readHealthcheck(value: unknown, at: string): StackHealthcheck | null {
  if (value === undefined || value === null) return null;
  const check = mapping(value, at);
  if (check.disabled === true || check.test === null || check.test === undefined) return null;
  const test = list(check.test, `${at}.test`).map((word, index) => stringValue(word, `${at}.test[${index}]`));
  const [kind, ...rest] = test;
  if (kind === 'NONE') return null;
  if (kind !== 'CMD' && kind !== 'CMD-SHELL') throw new StackPlanError(`${at}.test`, 'must start with CMD, CMD-SHELL or NONE');
  if (rest.length === 0) throw new StackPlanError(`${at}.test`, `${kind} needs a command`);
  return {
    args: kind === 'CMD-SHELL' ? [rest.join(' ')] : rest,
    shell: kind === 'CMD-SHELL',
    interval: duration(check.intervalMs, `${at}.intervalMs`, 30_000),
    timeout: duration(check.timeoutMs, `${at}.timeoutMs`, 30_000),
    startPeriod: duration(check.startPeriodMs, `${at}.startPeriodMs`, 0),
    retries: check.retries === undefined ? 3 : nonNegativeInteger(check.retries, `${at}.retries`),
  };
}

function readSuite(value: Mapping, at: string): StackSuite {
  const command = list(value.command, `${at}.command`).map((word, index) => stringValue(word, `${at}.command[${index}]`));
  if (command.length === 0) throw new StackPlanError(`${at}.command`, 'is empty');
  const directory = optionalString(value.directory, `${at}.directory`);
  if (directory !== null && directory.startsWith('/')) throw new StackPlanError(`${at}.directory`, 'must be relative to the config file');
  return {
    name: stringField(value, 'name', at),
    image: stringField(value, 'image', at),
    command,
    directory,
    env: stringRecord(value.env, `${at}.env`),
  };
}

/** Kahn's order, ties by name, for plans that do not spell their start order out. */
function startOrder(services: Map<string, { dependsOn: string[] }>): string[] {
  const remaining = new Map([...services].map(([name, service]) => [name, new Set(service.dependsOn)]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, deps]) => [...deps].every((dep) => !remaining.has(dep))).map(([name]) => name).sort();
    if (ready.length === 0) throw new StackPlanError('services', `dependency cycle among ${[...remaining.keys()].sort().join(', ')}`);
    for (const name of ready) {
      order.push(name);
      remaining.delete(name);
    }
  }
  return order;
}

/**
 * The registry host an image reference names, for Container.withRegistryAuth; null when the reference
 * names none (the engine's default registry, which lockstep never names).
 */
export function registryHostOf(reference: string): string | null {
  const slash = reference.indexOf('/');
  if (slash < 0) return null;
  const first = reference.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : null;
}

/** TAP as the suites print it (node --test-reporter=tap): top-level results only. */
export function summarizeTap(tap: string): { passed: number; failed: number; skipped: number; failures: string[] } {
  const result = { passed: 0, failed: 0, skipped: 0, failures: [] as string[] };
  for (const line of tap.split('\n')) {
    const match = /^(not ok|ok)\s+\d+(?:\s+-)?\s*([^#]*?)\s*(#\s*(SKIP|TODO)\b.*)?$/i.exec(line);
    if (!match) continue;
    if (match[4] !== undefined) result.skipped += 1;
    else if (match[1] === 'ok') result.passed += 1;
    else {
      result.failed += 1;
      result.failures.push(match[2] ?? '');
    }
  }
  return result;
}

/** The suite table of a stack-test report (summary.md). */
export function renderSuiteTable(results: ReadonlyArray<{ suite: string; passed: number; failed: number; skipped: number; exitCode: number }>): string {
  return [
    '| suite | passed | failed | skipped | exit |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...results.map((result) => `| ${result.suite} | ${result.passed} | ${result.failed} | ${result.skipped} | ${result.exitCode} |`),
    '',
  ].join('\n');
}

function mapping(value: unknown, at: string): Mapping {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new StackPlanError(at, 'must be an object');
  return value as Mapping;
}

function list(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new StackPlanError(at, 'must be a list');
  return value;
}

function stringValue(value: unknown, at: string): string {
  if (typeof value !== 'string' || value === '') throw new StackPlanError(at, 'must be a non-empty string');
  return value;
}

function stringField(value: Mapping, key: string, at: string): string {
  return stringValue(value[key], `${at}.${key}`);
}

function optionalString(value: unknown, at: string): string | null {
  return value === undefined || value === null ? null : stringValue(value, at);
}

function optionalWords(value: unknown, at: string): string[] | null {
  if (value === undefined || value === null) return null;
  return list(value, at).map((word, index) => {
    if (typeof word !== 'string') throw new StackPlanError(`${at}[${index}]`, 'must be a string');
    return word;
  });
}

function stringRecord(value: unknown, at: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(mapping(value, at))) {
    if (typeof item !== 'string') throw new StackPlanError(`${at}.${key}`, 'must be a string');
    out[key] = item;
  }
  return out;
}

function portNumber(value: unknown, at: string): number {
  const port = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) throw new StackPlanError(at, 'must be a port number');
  return port;
}

function nonNegativeInteger(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new StackPlanError(at, 'must be a whole number');
  return value;
}

/** Milliseconds to the Go duration strings the engine reads ("1500ms", "30s"). */
function duration(value: unknown, at: string, fallback: number): string {
  const ms = value === undefined ? fallback : nonNegativeInteger(value, at);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
