/**
 * A local double of the Dagger engine's core API (Container, Directory, File, Secret, Socket,
 * Service), standing in for the generated client in dagger/sdk when the module runs here. It is
 * stateful and strict: every method the module calls must be declared, on that type, by the pinned
 * SDK's generated client (client.gen.d.ts), or the call fails. The runner's execs of the lockstep CLI
 * really run, with this checkout's CLI, in a folder standing for the container's file system; every
 * other exec (apk, npm) is recorded only. Paths under /work and /lockstep are mapped into that folder.
 *
 * The story keeps this in-process double because its steps need what the GraphQL engine double in
 * test/doubles/dagger does not model yet: the host's Docker socket, host variables and long execs.
 * The module's own checks (test/integration/dagger) run against the schema-validating one.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type { RecordedExec } from '../../doubles/dagger/engine.js';

const sdkClient = process.env.LOCKSTEP_DOUBLE_CLIENT!;
const cli = process.env.LOCKSTEP_DOUBLE_CLI!;
/** What the runner image itself would provide the CLI (HOME, the stand-in base images): host variables passed through by name. */
const hostEnv = Object.fromEntries((process.env.LOCKSTEP_DOUBLE_HOST_ENV ?? '').split(',').filter((name) => name && process.env[name] !== undefined).map((name) => [name, process.env[name]!]));
const execTimeoutMs = Number(process.env.LOCKSTEP_DOUBLE_EXEC_TIMEOUT_MS ?? 120_000);

/** Methods per class, as the pinned generated client declares them. */
const declared = new Map<string, Set<string>>();
{
  const text = readFileSync(sdkClient, 'utf8');
  for (const match of text.matchAll(/export declare class (\w+) extends BaseClient \{([\s\S]*?)\n\}/g)) {
    declared.set(match[1]!, new Set([...match[2]!.matchAll(/^ {4}(\w+): \(/gm)].map((method) => method[1]!)));
  }
}

function checked(type: string, method: string): void {
  if (!declared.get(type)?.has(method)) throw new Error(`engine double: ${type}.${method} is not in the engine API of the pinned SDK`);
}

export type { RecordedExec };

export const execs: RecordedExec[] = [];

const mapped = (root: string, path: string) => (/^\/(work|lockstep)(\/|$)/.test(path) ? join(root, path) : path);

export class Secret {
  constructor(readonly value: string) {}
}
export class Socket {}
export class Service {}

export class File {
  constructor(readonly path: string) {}
  async contents(): Promise<string> {
    checked('File', 'contents');
    return readFileSync(this.path, 'utf8');
  }
  async name(): Promise<string> {
    checked('File', 'name');
    return basename(this.path);
  }
}

export class Directory {
  constructor(readonly path: string = mkdtempSync(join(tmpdir(), 'lockstep-double-dir-'))) {}
  async exists(path: string): Promise<boolean> {
    checked('Directory', 'exists');
    return existsSync(join(this.path, path));
  }
  file(path: string): File {
    checked('Directory', 'file');
    return new File(join(this.path, path));
  }
  directory(path: string): Directory {
    checked('Directory', 'directory');
    return new Directory(join(this.path, path));
  }
  async entries(): Promise<string[]> {
    checked('Directory', 'entries');
    return readdirSync(this.path).sort();
  }
  /** The files of `other` that this directory lacks or holds differently. */
  diff(other: Directory): Directory {
    checked('Directory', 'diff');
    const out = new Directory();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        const rel = relative(other.path, path);
        if (statSync(path).isDirectory()) walk(path);
        else if (!existsSync(join(this.path, rel)) || !readFileSync(join(this.path, rel)).equals(readFileSync(path))) {
          mkdirSync(dirname(join(out.path, rel)), { recursive: true });
          cpSync(path, join(out.path, rel));
        }
      }
    };
    walk(other.path);
    return out;
  }
}

interface State {
  root: string;
  workdir: string;
  env: Record<string, string>;
  secretEnv: Record<string, string>;
  last?: { exitCode: number; stdout: string; stderr: string };
}

export class Container {
  private readonly state: State;
  constructor(state?: State) {
    this.state = state ?? { root: mkdtempSync(join(tmpdir(), 'lockstep-double-ctr-')), workdir: '/', env: {}, secretEnv: {} };
  }
  private next(type: string, method: string, change: (state: State) => void = () => undefined): Container {
    checked(type, method);
    const state = { ...this.state, env: { ...this.state.env }, secretEnv: { ...this.state.secretEnv } };
    change(state);
    return new Container(state);
  }
  from(_address: string) {
    return this.next('Container', 'from');
  }
  withMountedCache(_path: string, _cache: unknown) {
    return this.next('Container', 'withMountedCache');
  }
  withEntrypoint(_args: string[]) {
    return this.next('Container', 'withEntrypoint');
  }
  withExposedPort(_port: number) {
    return this.next('Container', 'withExposedPort');
  }
  withServiceBinding(_alias: string, _service: Service) {
    return this.next('Container', 'withServiceBinding');
  }
  withUnixSocket(_path: string, _socket: Socket) {
    return this.next('Container', 'withUnixSocket');
  }
  asService(_options?: unknown): Service {
    checked('Container', 'asService');
    return new Service();
  }
  withWorkdir(path: string) {
    return this.next('Container', 'withWorkdir', (state) => (state.workdir = path));
  }
  withEnvVariable(name: string, value: string) {
    return this.next('Container', 'withEnvVariable', (state) => (state.env[name] = value));
  }
  withSecretVariable(name: string, secret: Secret) {
    return this.next('Container', 'withSecretVariable', (state) => (state.secretEnv[name] = secret.value));
  }
  withMountedSecret(path: string, secret: Secret) {
    return this.next('Container', 'withMountedSecret', (state) => write(mapped(state.root, path), secret.value));
  }
  withMountedFile(path: string, file: File) {
    return this.next('Container', 'withMountedFile', (state) => {
      mkdirSync(dirname(mapped(state.root, path)), { recursive: true });
      cpSync(file.path, mapped(state.root, path));
    });
  }
  withDirectory(path: string, directory: Directory, _options?: unknown) {
    return this.next('Container', 'withDirectory', (state) => {
      // Only the folders the lockstep CLI works in exist here; the runner's /opt/lockstep is this checkout.
      if (mapped(state.root, path) !== path) cpSync(directory.path, mapped(state.root, path), { recursive: true });
    });
  }
  withExec(args: string[], options?: { expect?: string }) {
    return this.next('Container', 'withExec', (state) => {
      const lockstep = args[0] === 'node' && args[1] === '/opt/lockstep/bin/lockstep.js';
      execs.push({ args, env: { ...state.env }, secretEnv: Object.keys(state.secretEnv), workdir: state.workdir, ran: lockstep });
      if (!lockstep) return;
      const cwd = mapped(state.root, state.workdir);
      const child = spawnSync(process.execPath, [cli, ...args.slice(2).map((arg) => mapped(state.root, arg))], {
        cwd,
        env: { PATH: process.env.PATH!, ...hostEnv, ...state.env, ...state.secretEnv },
        encoding: 'utf8',
        timeout: execTimeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      });
      state.last = { exitCode: child.status ?? 128, stdout: child.stdout, stderr: child.stderr };
      if (options?.expect !== 'ANY' && state.last.exitCode !== 0) throw Object.assign(new Error('exec failed'), state.last);
    });
  }
  directory(path: string): Directory {
    checked('Container', 'directory');
    return new Directory(mapped(this.state.root, path));
  }
  file(path: string): File {
    checked('Container', 'file');
    return new File(mapped(this.state.root, path));
  }
  async exitCode(): Promise<number> {
    checked('Container', 'exitCode');
    return this.state.last?.exitCode ?? 0;
  }
  async stdout(): Promise<string> {
    checked('Container', 'stdout');
    return this.state.last?.stdout ?? '';
  }
  async stderr(): Promise<string> {
    checked('Container', 'stderr');
    return this.state.last?.stderr ?? '';
  }
}

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

export const ReturnType = { Any: 'ANY', Failure: 'FAILURE', Success: 'SUCCESS' } as const;

export const dag = {
  container: () => {
    checked('Client', 'container');
    return new Container();
  },
  directory: () => {
    checked('Client', 'directory');
    return new Directory();
  },
  cacheVolume: (name: string) => {
    checked('Client', 'cacheVolume');
    return { name };
  },
};
