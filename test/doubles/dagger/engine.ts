import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { execute, GraphQLError, getNamedType, isObjectType, parse, validate, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { collectProcess } from '../../support/collectProcess.js';

/**
 * A local double of the Dagger engine's GraphQL API, for running a module through the SDK's own
 * entrypoint (`DAGGER_SESSION_PORT`/`DAGGER_SESSION_TOKEN`, as the runtime starts it). Every query is
 * parsed and validated against the engine's schema for the pinned SDK (schema.ts) before anything
 * runs; a query that fails validation is answered with the errors, as the engine would, and recorded.
 *
 * State is modelled for what a module that runs a CLI in a container uses: containers (a folder per
 * container stands for its file system; only /work and /lockstep exist there), directories, files,
 * secrets, sockets, services and cache volumes, plus the function-call API the entrypoint talks to
 * (currentFunctionCall, currentModule, returnValue, returnError, error) and the definition types the
 * registration builds (Module, TypeDef, Function...), kept as the calls made on them. A runner exec of
 * `node /opt/lockstep/bin/lockstep.js` really runs this checkout's CLI in the container's folder, with
 * its variables and secret variables; every other exec (apk, npm) is recorded only. Like the engine,
 * the same selection on the same object is one result (an exec runs once however often a query walks
 * its chain); a chain starts at a session's own Query, so sessions share only the objects the caller
 * hands over. Not modelled: layers and images, networking, service start-up, the engine's cache
 * across sessions, and any field a test module does not use (it fails the query, by name).
 */

export interface RecordedExec {
  args: string[];
  env: Record<string, string>;
  secretEnv: string[];
  workdir: string;
  ran: boolean;
}

export interface FunctionCallSpec {
  parentName: string;
  name: string;
  /** The parent object's state as JSON (the constructor's result), '{}' for a constructor. */
  parent: string;
  /** Argument values as JSON, by argument name. */
  inputArgs: Record<string, string>;
}

export interface Session {
  token: string;
  call: FunctionCallSpec;
  execs: RecordedExec[];
  queries: string[];
  /** Queries refused by schema validation, with the errors. */
  invalid: Array<{ query: string; errors: string[] }>;
  returned?: { value: string } | { error: string; values: Record<string, string> };
}

interface Base {
  type: string;
  key: string;
}
interface ContainerState extends Base {
  type: 'Container';
  root: string;
  workdir: string;
  env: Record<string, string>;
  secretEnv: Record<string, string>;
  last?: { exitCode: number; stdout: string; stderr: string };
}
type EngineObject =
  | ContainerState
  | (Base & { type: 'Directory'; path: string })
  | (Base & { type: 'File'; path: string })
  | (Base & { type: 'Secret'; value: string })
  | (Base & { type: 'Error'; message: string; values: Record<string, string> })
  | (Base & { type: 'FunctionCallArgValue'; name: string; value: string })
  | (Base & { type: 'Definition'; typeName: string; calls: Array<{ field: string; args: Record<string, unknown> }> })
  | (Base & { type: 'Socket' | 'Service' | 'CacheVolume' | 'FunctionCall' | 'CurrentModule' | 'Query' });

/** Object types the module registration builds; kept as records of the calls made on them. */
const definitionTypes = new Set(['Module', 'TypeDef', 'Function', 'FunctionArg', 'SourceMap', 'ObjectTypeDef', 'EnumTypeDef', 'EnumValueTypeDef', 'FieldTypeDef', 'InterfaceTypeDef', 'ListTypeDef']);

const mapped = (root: string, path: string) => (/^\/(work|lockstep)(\/|$)/.test(path) ? join(root, path) : path);

export class EngineDouble {
  private readonly server: Server;
  private readonly sessions = new Map<string, Session>();
  private readonly objects = new Map<string, EngineObject>();
  private readonly memo = new Map<string, EngineObject | Promise<EngineObject>>();
  private readonly scratch = mkdtempSync(join(tmpdir(), 'lockstep-engine-double-'));
  port = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    /** This checkout's CLI, which the runner's `node /opt/lockstep/bin/lockstep.js` stands for. */
    private readonly cli: string,
  ) {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        void this.answer(request.headers.authorization, body)
          .catch((error: Error) => ({ status: 500, payload: { errors: [{ message: `engine double: ${error.message}` }] } }))
          .then(({ status, payload }) => {
            response.writeHead(status, { 'content-type': 'application/json' });
            response.end(JSON.stringify(payload));
          });
      });
    });
    // The SDK keeps its connection between queries, some of which wait minutes for an exec: never
    // close an idle connection under it, or its next query fails with "socket hang up".
    this.server.keepAliveTimeout = 600_000;
    this.server.requestTimeout = 0;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.scratch, { recursive: true, force: true });
  }

  /** A session for one function call; the module process connects with its token. */
  session(call: FunctionCallSpec): Session {
    const session: Session = { token: randomBytes(16).toString('hex'), call, execs: [], queries: [], invalid: [] };
    this.sessions.set(session.token, session);
    return session;
  }

  /** Objects the caller hands to a function call: a host folder or file, a secret. */
  directory(path: string): string {
    return this.register({ type: 'Directory', key: `host-dir:${path}`, path });
  }
  file(path: string): string {
    return this.register({ type: 'File', key: `host-file:${path}`, path });
  }
  secret(value: string): string {
    return this.register({ type: 'Secret', key: `secret:${createHash('sha256').update(value).digest('hex')}`, value });
  }

  /** What an ID returned by a function stands for, for the test to read. */
  lookup(id: string): EngineObject | undefined {
    return this.objects.get(id);
  }

  private register(object: EngineObject): string {
    const id = `${object.type === 'Definition' ? object.typeName : object.type}:${createHash('sha256').update(object.key).digest('hex').slice(0, 32)}`;
    this.objects.set(id, object);
    return id;
  }

  private async answer(authorization: string | undefined, body: string): Promise<{ status: number; payload: unknown }> {
    const token = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
    const session = token ? this.sessions.get(Buffer.from(token, 'base64').toString('utf8').replace(/:$/, '')) : undefined;
    if (!session) return { status: 401, payload: { errors: [{ message: 'engine double: unknown session token' }] } };
    const { query } = JSON.parse(body) as { query: string };
    session.queries.push(query);
    let document;
    try {
      document = parse(query);
    } catch (error) {
      session.invalid.push({ query, errors: [(error as Error).message] });
      return { status: 200, payload: { errors: [{ message: (error as Error).message }] } };
    }
    const errors = validate(this.schema, document);
    if (errors.length > 0) {
      session.invalid.push({ query, errors: errors.map((error) => error.message) });
      return { status: 200, payload: { errors: errors.map((error) => ({ message: error.message })) } };
    }
    const result = await execute({
      schema: this.schema,
      document,
      rootValue: { type: 'Query', key: `session:${session.token}` },
      contextValue: session,
      fieldResolver: this.resolve,
      typeResolver: (value: EngineObject) => (value.type === 'Definition' ? value.typeName : value.type),
    });
    return { status: 200, payload: { data: result.data, ...(result.errors ? { errors: result.errors.map((error) => ({ message: error.message, path: error.path })) } : {}) } };
  }

  private readonly resolve: GraphQLFieldResolver<EngineObject, Session> = (source, args, session, info) => {
    const field = `${info.parentType.name}.${info.fieldName}`;
    const key = `${source.key}.${info.fieldName}(${JSON.stringify(args)})`;
    if (info.fieldName === 'id') return this.register(source);
    const returned = getNamedType(info.returnType);
    const child = (make: () => EngineObject | Promise<EngineObject>) => this.once(key, make);
    switch (field) {
      case 'Query.container':
        return child(() => ({ type: 'Container', key, root: this.folder(), workdir: '/', env: {}, secretEnv: {} }));
      case 'Query.directory':
        return child(() => ({ type: 'Directory', key, path: this.folder() }));
      case 'Query.cacheVolume':
        return child(() => ({ type: 'CacheVolume', key }));
      case 'Query.node': {
        const found = this.objects.get(String(args.id));
        if (!found) throw new GraphQLError(`engine double: no object ${String(args.id)}`);
        return found;
      }
      case 'Query.currentFunctionCall':
        return { type: 'FunctionCall', key: `${key}:${session.token}` };
      case 'Query.currentModule':
        return { type: 'CurrentModule', key };
      case 'Query.error':
        return child(() => ({ type: 'Error', key, message: String(args.message), values: {} }));
      case 'Error.withValue': {
        const error = source as Extract<EngineObject, { type: 'Error' }>;
        return child(() => ({ ...error, key, values: { ...error.values, [String(args.name)]: String(args.value) } }));
      }
      case 'CurrentModule.name':
        return 'lockstep';
      case 'FunctionCall.parentName':
        return session.call.parentName;
      case 'FunctionCall.name':
        return session.call.name;
      case 'FunctionCall.parent':
        return session.call.parent;
      case 'FunctionCall.inputArgs':
        return Object.entries(session.call.inputArgs).map(([name, value]) => ({ type: 'FunctionCallArgValue', key: `${key}:${name}`, name, value }));
      case 'FunctionCallArgValue.name':
        return (source as Extract<EngineObject, { type: 'FunctionCallArgValue' }>).name;
      case 'FunctionCallArgValue.value':
        return (source as Extract<EngineObject, { type: 'FunctionCallArgValue' }>).value;
      case 'FunctionCall.returnValue':
        session.returned = { value: String(args.value) };
        return null;
      case 'FunctionCall.returnError': {
        const error = this.objects.get(String(args.error));
        if (error?.type !== 'Error') throw new GraphQLError('engine double: returnError takes an Error');
        session.returned = { error: error.message, values: error.values };
        return null;
      }
      default:
        break;
    }
    if (source.type === 'Container') return this.container(source, info.fieldName, args, key, session);
    if (source.type === 'Directory' || source.type === 'File') return this.fileSystem(source, info.fieldName, args, key);
    // The registration's builders: each call a new record holding the calls so far.
    if ((source.type === 'Definition' || source.type === 'Query') && isObjectType(returned) && definitionTypes.has(returned.name)) {
      const calls = source.type === 'Definition' ? source.calls : [];
      return child(() => ({ type: 'Definition', typeName: returned.name, key, calls: [...calls, { field: info.fieldName, args: { ...args } }] }));
    }
    throw new GraphQLError(`engine double: ${field} is valid for the engine but not modelled here`);
  };

  /** One result per selection: a second query walking the same chain, even while the first still runs, gets the same object. */
  private once(key: string, make: () => EngineObject | Promise<EngineObject>): EngineObject | Promise<EngineObject> {
    const known = this.memo.get(key);
    if (known) return known;
    const made = make();
    this.memo.set(key, made);
    if (made instanceof Promise) made.catch(() => this.memo.delete(key));
    return made;
  }

  private folder(): string {
    return mkdtempSync(join(this.scratch, 'fs-'));
  }

  private object<T extends EngineObject['type']>(id: unknown, type: T): Extract<EngineObject, { type: T }> {
    const found = this.objects.get(String(id));
    if (found?.type !== type) throw new GraphQLError(`engine double: ${String(id)} is not a ${type}`);
    return found as Extract<EngineObject, { type: T }>;
  }

  private container(state: ContainerState, field: string, args: Record<string, unknown>, key: string, session: Session): unknown {
    // A change of the file system copies it: an earlier container in the chain keeps its own.
    const next = (change: (next: ContainerState) => void | Promise<void>, copyFiles = false) =>
      this.once(key, async () => {
        const made: ContainerState = { ...state, key, env: { ...state.env }, secretEnv: { ...state.secretEnv } };
        if (copyFiles) {
          made.root = this.folder();
          cpSync(state.root, made.root, { recursive: true });
        }
        await change(made);
        return made;
      });
    switch (field) {
      case 'from':
      case 'withMountedCache':
      case 'withEntrypoint':
      case 'withExposedPort':
      case 'withServiceBinding':
      case 'withUnixSocket':
        return next(() => undefined);
      case 'asService':
        return this.once(key, () => ({ type: 'Service', key }));
      case 'withWorkdir':
        return next((made) => void (made.workdir = String(args.path)));
      case 'withEnvVariable':
        return next((made) => void (made.env[String(args.name)] = String(args.value)));
      case 'withSecretVariable':
        return next((made) => void (made.secretEnv[String(args.name)] = this.object(args.secret, 'Secret').value));
      case 'withMountedSecret':
        return next((made) => write(mapped(made.root, String(args.path)), this.object(args.source, 'Secret').value), true);
      case 'withMountedFile':
        return next((made) => {
          const target = mapped(made.root, String(args.path));
          mkdirSync(dirname(target), { recursive: true });
          cpSync(this.object(args.source, 'File').path, target);
        }, true);
      case 'withDirectory':
        return next((made) => {
          const target = mapped(made.root, String(args.path));
          // Only the folders the CLI works in exist here; the runner's /opt/lockstep is this checkout.
          if (target !== String(args.path)) cpSync(this.object(args.source, 'Directory').path, target, { recursive: true });
        }, true);
      case 'withExec':
        return next((made) => this.exec(made, args, session), true);
      case 'directory':
        return this.once(key, () => ({ type: 'Directory', key, path: mapped(state.root, String(args.path)) }));
      case 'file':
        return this.once(key, () => ({ type: 'File', key, path: mapped(state.root, String(args.path)) }));
      case 'exitCode':
        return state.last?.exitCode ?? 0;
      case 'stdout':
        return state.last?.stdout ?? '';
      case 'stderr':
        return state.last?.stderr ?? '';
      default:
        throw new GraphQLError(`engine double: Container.${field} is valid for the engine but not modelled here`);
    }
  }

  private async exec(made: ContainerState, args: Record<string, unknown>, session: Session): Promise<void> {
    const argv = (args.args as string[]).map(String);
    const lockstep = argv[0] === 'node' && argv[1] === '/opt/lockstep/bin/lockstep.js';
    session.execs.push({ args: argv, env: { ...made.env }, secretEnv: Object.keys(made.secretEnv), workdir: made.workdir, ran: lockstep });
    if (!lockstep) return;
    made.last = await run(process.execPath, [this.cli, ...argv.slice(2).map((arg) => mapped(made.root, arg))], {
      cwd: mapped(made.root, made.workdir),
      env: { PATH: process.env.PATH!, ...made.env, ...made.secretEnv },
    });
    // expect: ANY takes any exit; otherwise a failed exec fails the query, with the engine's exec error fields.
    if (args.expect !== 'ANY' && made.last.exitCode !== 0) {
      throw new GraphQLError('process did not complete successfully', { extensions: { _type: 'EXEC_ERROR', cmd: argv, exitCode: made.last.exitCode, stdout: made.last.stdout, stderr: made.last.stderr } });
    }
  }

  private fileSystem(source: Extract<EngineObject, { type: 'Directory' | 'File' }>, field: string, args: Record<string, unknown>, key: string): unknown {
    const at = (path: unknown) => join(source.path, String(path));
    switch (`${source.type}.${field}`) {
      case 'Directory.exists':
        return existsSync(at(args.path));
      case 'Directory.entries':
        return readdirSync(source.path).sort();
      case 'Directory.file':
        return this.once(key, () => ({ type: 'File', key, path: at(args.path) }));
      case 'Directory.directory':
        return this.once(key, () => ({ type: 'Directory', key, path: at(args.path) }));
      case 'Directory.diff':
        return this.once(key, () => ({ type: 'Directory', key, path: difference(source.path, this.object(args.other, 'Directory').path, this.folder()) }));
      case 'File.contents':
        return readFileSync(source.path, 'utf8');
      case 'File.name':
        return basename(source.path);
      default:
        throw new GraphQLError(`engine double: ${source.type}.${field} is valid for the engine but not modelled here`);
    }
  }
}

/** The files of `other` that `base` lacks or holds differently, copied into `out`. */
function difference(base: string, other: string, out: string): string {
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const rel = relative(other, path);
      if (statSync(path).isDirectory()) walk(path);
      else if (!existsSync(join(base, rel)) || !readFileSync(join(base, rel)).equals(readFileSync(path))) {
        mkdirSync(dirname(join(out, rel)), { recursive: true });
        cpSync(path, join(out, rel));
      }
    }
  };
  walk(other);
  return out;
}

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

async function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const { status, signal, stdout, stderr } = await collectProcess(command, args, options);
  return { exitCode: status ?? (signal ? 128 : 1), stdout, stderr };
}
