import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stageNames } from '../../../dagger/src/stagePlans.js';

/**
 * What `dagger functions` / `dagger call --help` would show, obtained without an engine: the SDK's own
 * introspector (the code the engine runs to register the module) over dagger/src. The introspector
 * resolves core types (Directory, Secret, File...) from `client.gen.ts` source, which the published
 * package ships only as a declaration file, so it runs against a private copy of the package with
 * that file beside it; the project's node_modules stays untouched.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));

interface Argument {
  name: string;
  type: string;
  description: string;
  optional: boolean;
  default: unknown;
  defaultPath: string | null;
  ignore: string[] | null;
}
interface DaggerFunction {
  name: string;
  description: string;
  cache: string | null;
  returns: string;
  arguments: Argument[];
}
interface Scanned {
  name: string;
  description: string;
  objects: Array<{ name: string; description: string; constructor: Argument[]; functions: DaggerFunction[] }>;
}

let work: string;
let scanned: Scanned;

async function prepareSdkCopy(): Promise<string> {
  work = await mkdtemp(join(tmpdir(), 'lockstep-introspect-'));
  const modules = join(work, 'node_modules');
  const sdk = join(modules, '@dagger.io', 'dagger');
  await mkdir(join(modules, '@dagger.io'), { recursive: true });
  await cp(join(root, 'node_modules', '@dagger.io', 'dagger'), sdk, { recursive: true });
  const api = join(sdk, 'dist', 'src', 'api');
  await copyFile(join(api, 'client.gen.d.ts'), join(api, 'client.gen.ts'));
  // Everything else the SDK imports (graphql, typescript, tsx...) comes from the project, by link.
  for (const entry of await readdir(join(root, 'node_modules'))) {
    if (entry === '@dagger.io') continue;
    await symlink(join(root, 'node_modules', entry), join(modules, entry));
  }
  await mkdir(join(work, 'src'));
  for (const file of await readdir(join(root, 'dagger', 'src'))) {
    if (file.endsWith('.ts')) await copyFile(join(root, 'dagger', 'src', file), join(work, 'src', file));
  }
  await copyFile(join(root, 'test', 'integration', 'dagger', 'support', 'scanModule.mjs'), join(work, 'scanModule.mjs'));
  // The module's decorators are legacy ones, as the engine compiles them.
  await writeFile(
    join(work, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', experimentalDecorators: true, strict: true } }),
  );
  return sdk;
}

before(async () => {
  const sdk = await prepareSdkCopy();
  const sources = (await readdir(join(work, 'src'))).filter((file) => file.endsWith('.ts')).map((file) => join(work, 'src', file));
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(work, 'scanModule.mjs'), sdk, ...sources], {
    cwd: work,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(work, 'tsconfig.json') },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(child.status, 0, `the introspector failed:\n${child.stderr}`);
  scanned = JSON.parse(child.stdout) as Scanned;
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const composites = ['prCheck', 'promoteStaging', 'promoteProduction', 'hotfix'];
const expectedFunctions = ['runner', ...stageNames, ...composites].sort();

function lockstep() {
  const object = scanned.objects.find((candidate) => candidate.name === 'Lockstep');
  assert.ok(object, 'the module exposes its object Lockstep');
  return object;
}

function fn(name: string): DaggerFunction {
  const found = lockstep().functions.find((candidate) => candidate.name === name);
  assert.ok(found, `function ${name}`);
  return found;
}

function signature(name: string): string {
  const { arguments: args, returns } = fn(name);
  const shown = args.map((arg) => `${arg.name}${arg.optional ? '?' : ''}: ${arg.type}${arg.default === null ? '' : ` = ${JSON.stringify(arg.default)}`}`);
  return `${name}(${shown.join(', ')}): ${returns}`;
}

describe('the Dagger module as the engine registers it (SDK introspector)', () => {
  it('is the module lockstep with one object, Lockstep, both described', () => {
    assert.equal(scanned.name, 'Lockstep');
    assert.match(scanned.description, /lockstep as a Dagger module/);
    assert.deepEqual(
      scanned.objects.map((object) => object.name),
      ['Lockstep'],
    );
    assert.match(lockstep().description, /release lock/);
  });

  it('exposes exactly one function per stage, the runner and the composites', () => {
    assert.deepEqual(lockstep().functions.map((candidate) => candidate.name).sort(), expectedFunctions);
  });

  it('describes the object, every function and every argument (dagger call --help)', () => {
    const missing: string[] = [];
    for (const arg of lockstep().constructor) if (arg.description.trim() === '') missing.push(`constructor --${arg.name}`);
    for (const candidate of lockstep().functions) {
      if (candidate.description.trim() === '') missing.push(candidate.name);
      for (const arg of candidate.arguments) if (arg.description.trim() === '') missing.push(`${candidate.name} --${arg.name}`);
    }
    assert.deepEqual(missing, []);
  });

  it('takes what every stage shares in its constructor, secrets as Secrets', () => {
    const args = Object.fromEntries(lockstep().constructor.map((arg) => [arg.name, arg]));
    assert.deepEqual(Object.keys(args), [
      'source',
      'config',
      'lockPath',
      'githubToken',
      'registryUsername',
      'registryAuth',
      'repository',
      'githubApiUrl',
      'kubeconfig',
      'dockerSocket',
    ]);
    assert.equal(args.source!.type, 'Directory');
    assert.equal(args.source!.defaultPath, '/');
    assert.ok(args.source!.ignore!.includes('**/node_modules'));
    assert.ok(args.source!.ignore!.includes('.lockstep'), 'exported reports are not uploaded back');
    assert.ok(args.source!.ignore!.includes('!.git'), 'lock generation reads the gitlinks');
    assert.deepEqual([args.githubToken!.type, args.registryAuth!.type, args.kubeconfig!.type, args.dockerSocket!.type], ['Secret', 'Secret', 'Secret', 'Socket']);
    for (const name of ['config', 'githubToken', 'registryUsername', 'registryAuth', 'repository', 'githubApiUrl', 'kubeconfig', 'dockerSocket']) {
      assert.equal(args[name]!.optional, true, name);
    }
    assert.equal(args.lockPath!.default, 'locks/current.lock.yaml');
  });

  it('never takes a credential as a plain string anywhere', () => {
    const all = [...lockstep().constructor.map((arg) => ['constructor', arg] as const), ...lockstep().functions.flatMap((candidate) => candidate.arguments.map((arg) => [candidate.name, arg] as const))];
    for (const [owner, arg] of all) {
      if (/token|password|secret|kubeconfig|registryAuth/i.test(arg.name)) assert.equal(arg.type, 'Secret', `${owner} --${arg.name}`);
    }
  });

  it('never caches a stage with side effects; caches the runner, the lock diff and the stack test', () => {
    const cached = lockstep()
      .functions.filter((candidate) => candidate.cache !== 'never')
      .map((candidate) => candidate.name)
      .sort();
    assert.deepEqual(cached, ['lockDiff', 'runner', 'stackTest']);
  });

  it('has the agreed signatures: types, optional flags and defaults', () => {
    assert.deepEqual(
      ['runner', ...stageNames, ...composites].map(signature),
      [
        'runner(): Container',
        'lockGenerate(ref?: String, pullRequest?: Integer, base?: File, only?: [String]): File',
        'lockVerify(lock?: File, registry?: Boolean = false): String',
        'lockDiff(before: File, after: File, format?: String = "text"): String',
        'stackTest(lock?: File, suite?: String): Directory',
        'healthCheck(environment: String): String',
        'deploy(environment: String, lock?: File): String',
        'e2eTest(environment: String): Directory',
        'smokeTest(environment: String): Directory',
        'release(version: String, lock?: File): Directory',
        'rollback(environment: String, to?: String, smoke?: Boolean = false, strict?: Boolean = false): Directory',
        'prComment(pullRequest: Integer, lock?: File): String',
        'commitLock(branch: String, pullRequest?: Integer, lock?: File): String',
        'openPromotion(lock?: File, from?: String = "staging", to?: String = "main", e2eSummary?: File, runUrl?: String): String',
        'approvalGate(pullRequest: Integer, required?: Integer = 4, lock?: File): String',
        'publishRelease(version: String, lock?: File, target?: String): String',
        'prCheck(pullRequest: Integer, branch: String, ref?: String, suite?: String, strict?: Boolean = false): Directory',
        'promoteStaging(lock?: File, runUrl?: String, strict?: Boolean = false): Directory',
        'promoteProduction(pullRequest: Integer, version: String, required?: Integer = 4, commit?: String, lock?: File, strict?: Boolean = false): Directory',
        'hotfix(pullRequest: Integer, branch: String, services: [String], base?: File, ref?: String, suite?: String, strict?: Boolean = false): Directory',
      ],
    );
  });

  it('names every flag a rerun line passes after an argument of the function it calls', async () => {
    const { stages } = await import('../../../dagger/src/stagePlans.js');
    for (const stage of stageNames) {
      const args = new Set(fn(stage).arguments.map((arg) => arg.name));
      const inputs = stages[stage].fileInputs as readonly string[];
      for (const input of inputs) assert.ok(args.has(input), `${stage} --${input}`);
    }
    const { prCheckPlan, promoteProductionPlan, promoteStagingPlan, hotfixPlan, rollbackPlan } = await import('../../../dagger/src/composites.js');
    const settings = { lockPath: 'locks/current.lock.yaml', provided: { githubToken: true, registryAuth: false, kubeconfig: false, dockerSocket: false } };
    const plans = [
      prCheckPlan({ pullRequest: 1, branch: 'dev', ref: 'HEAD', suite: 'api' }, settings),
      promoteStagingPlan({ lockFromArgument: true, runUrl: 'https://ci.example.com/1' }, settings),
      promoteProductionPlan({ pullRequest: 1, version: 'v1.0.0', required: 4, commit: 'a'.repeat(40), lockFromArgument: true }, settings),
      hotfixPlan({ pullRequest: 1, branch: 'hotfix/x', services: ['cart'], ref: 'HEAD', suite: 'api' }, settings, true),
      rollbackPlan({ environment: 'production', to: 'v1.0.0', smoke: true }),
    ];
    for (const plan of plans) {
      const args = new Set(fn(plan.pipeline).arguments.map((arg) => arg.name));
      for (const input of Object.keys(plan.inputs)) assert.ok(args.has(input), `${plan.pipeline} --${input}`);
      for (const step of plan.steps) {
        const stageArgs = new Set(fn(step.call.stage).arguments.map((arg) => arg.name));
        for (const input of Object.keys(step.call.inputs)) assert.ok(stageArgs.has(input), `${plan.pipeline}: ${step.call.stage} --${input}`);
      }
    }
  });


  it('matches the Dagger function reference in docs/dagger.md (LOCKSTEP_UPDATE_DOCS=1 rewrites it)', async () => {
    const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    const firstSentence = (text: string) => text.replace(/\s+/g, ' ').trim().split(/(?<=\.)\s/)[0] ?? '';
    const rows = lockstep()
      .functions.slice()
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((candidate) => {
        const args = candidate.arguments.map((arg) => `--${kebab(arg.name)}${arg.optional ? '' : ' (required)'}`).join(', ');
        return `| \`${kebab(candidate.name)}\` | ${args || '–'} | ${candidate.returns} | ${firstSentence(candidate.description).replace(/\|/g, '\\|')} |`;
      });
    const table = ['| function | arguments | returns | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n');
    const { readSection, replaceSection } = await import('../../../src/generated/readmeSections.js');
    const readmePath = join(root, 'docs', 'dagger.md');
    const readme = await readFile(readmePath, 'utf8');
    if (process.env.LOCKSTEP_UPDATE_DOCS === '1') await writeFile(readmePath, replaceSection(readme, 'dagger', table));
    else assert.equal(readSection(readme, 'dagger'), table, 'docs/dagger.md Dagger functions are stale: rerun with LOCKSTEP_UPDATE_DOCS=1');
  });
});
