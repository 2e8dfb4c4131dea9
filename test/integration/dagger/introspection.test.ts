import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.js';
import { stageRerunLine } from '../../../src/pipelines/daggerRerun.js';
import { prCheckStages, promoteProductionStages, promoteStagingStages, rollbackStages, stackTestStages, type CliStage, type PipelineSettings } from '../../../src/pipelines/plans.js';
import { callLinesIn, coreChains, daggerCallFlags, daggerGlobalFlags, strcaseKebab, words, type DaggerCallLine } from './support/daggerCli.js';
import { prepareRuntimeCopy, root, runtimeExports, runUnderRuntime, type RuntimeCopy } from './support/runtimeCopy.js';

/**
 * The module as the Dagger 0.21 engine would load and register it, without an engine: dagger/src
 * loaded against the runtime's SDK surface with the module's own tsconfig (support/runtimeCopy.ts),
 * and what `dagger functions` / `dagger call --help` would show from the SDK's own introspector.
 * Every `dagger call` line the project prints or documents is then parsed against that.
 */

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
  check: boolean;
  returns: string;
  arguments: Argument[];
}
interface Scanned {
  name: string;
  description: string;
  objects: Array<{ name: string; description: string; constructor: Argument[]; functions: DaggerFunction[] }>;
}

let copy: RuntimeCopy;
let scanned: Scanned;

before(async () => {
  copy = await prepareRuntimeCopy();
  const script = join(copy.moduleDir, 'scanModule.mjs');
  await copyFile(join(root, 'test', 'integration', 'dagger', 'support', 'scanModule.mjs'), script);
  const child = runUnderRuntime(copy, [script, copy.sdk, ...copy.sources]);
  assert.equal(child.status, 0, `the introspector failed:\n${child.stderr}`);
  scanned = JSON.parse(child.stdout) as Scanned;
});

after(async () => {
  if (copy) await copy.remove();
});

const stageFunctions = ['lockGenerate', 'lockVerify', 'lockDiff', 'health', 'deploy', 'endToEnd', 'smoke', 'release', 'prComment', 'prCommitLock', 'prOpenPromotion', 'gateApprovals', 'releaseCommitArchive', 'releasePublish', 'releaseResolve'];
const pipelineFunctions = ['stackTest', 'prCheck', 'promoteStaging', 'promoteProduction', 'hotfix', 'rollback'];
const checkFunctions = ['committedLock', 'digestOnly'];

function lockstep() {
  const object = scanned.objects.find((candidate) => candidate.name === 'Lockstep');
  assert.ok(object, 'the module exposes its object Lockstep');
  return object;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

describe('the Dagger module under the runtime SDK (what a real engine loads)', () => {
  it('loads against only what the runtime bundle exports, with the module tsconfig', async () => {
    const index = copy.sources.find((file) => file.endsWith('index.ts'))!;
    const loaded = runUnderRuntime(copy, ['--input-type=module', '-e', `await import(${JSON.stringify(index)}); process.stdout.write('loaded')`]);
    assert.equal(loaded.status, 0, loaded.stderr);
    assert.equal(loaded.stdout, 'loaded');
  });

  it('refuses, like the runtime, a module importing what the bundle does not export (ExecError)', async () => {
    const broken = await prepareRuntimeCopy({ 'index.ts': "import { ExecError } from '@dagger.io/dagger';\nexport const seen = ExecError;\n" });
    try {
      const loaded = runUnderRuntime(broken, ['--input-type=module', '-e', `await import(${JSON.stringify(broken.sources[0]!)})`]);
      assert.notEqual(loaded.status, 0);
      assert.match(loaded.stderr, /does not provide an export named 'ExecError'/);
    } finally {
      await broken.remove();
    }
  });

  it('imports from the SDK only names the runtime bundle or its generated client exports', async () => {
    const client = await readFile(join(copy.sdk, 'dist', 'src', 'api', 'client.gen.d.ts'), 'utf8');
    const generated = new Set([...client.matchAll(/export (?:declare )?(?:class|enum|type|const|function|interface) (\w+)/g)].map((match) => match[1]!));
    for (const file of copy.sources) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@dagger\.io\/dagger'/g)) {
        for (const name of match[2]!.split(',').map((part) => part.trim().replace(/^type\s+/, '')).filter(Boolean)) {
          assert.ok((runtimeExports as readonly string[]).includes(name) || generated.has(name), `${relative(copy.moduleDir, file)} imports ${name}`);
        }
      }
    }
  });
});

describe('the Dagger module as the engine registers it (SDK introspector)', () => {
  it('is the module lockstep with one object, Lockstep, both described', () => {
    assert.equal(scanned.name, 'Lockstep');
    assert.match(scanned.description, /lockstep as a Dagger module/);
    assert.deepEqual(scanned.objects.map((object) => object.name), ['Lockstep']);
    assert.match(lockstep().description, /release lock/);
  });

  it('exposes the runner, one function per stage, one per pipeline and the checks', () => {
    assert.deepEqual(lockstep().functions.map((candidate) => candidate.name).sort(), ['runner', ...stageFunctions, ...pipelineFunctions, ...checkFunctions].sort());
    assert.deepEqual(lockstep().functions.filter((candidate) => candidate.check).map((candidate) => candidate.name).sort(), [...checkFunctions].sort());
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

  it("builds the runner from the module's own repository and takes the orchestrator repository as --source", () => {
    const args = Object.fromEntries(lockstep().constructor.map((arg) => [arg.name, arg]));
    assert.equal(args.source!.type, 'Directory');
    assert.equal(args.cliSource!.type, 'Directory');
    assert.equal(args.cliSource!.defaultPath, '/');
    // Only what npm ci and the build read: nothing of the caller's laptop or of this repository's tests.
    assert.deepEqual(args.cliSource!.ignore!.slice(0, 1), ['*']);
    for (const kept of ['!package.json', '!package-lock.json', '!src/**', '!bin/**']) assert.ok(args.cliSource!.ignore!.includes(kept), kept);
    // A defaultPath directory is loaded without gitignore: secrets of a laptop are excluded by name.
    for (const excluded of ['**/.env', '**/.env.*', '**/*.pem', '**/*.key', '**/.npmrc', '**/node_modules']) assert.ok(args.source!.ignore!.includes(excluded), excluded);
    assert.ok(!args.source!.ignore!.includes('!.git'), 'a negated pattern alone re-includes nothing');
    assert.equal(args.lockPath!.default, 'locks/current.lock.yaml');
  });

  it('never takes a credential as a plain string anywhere', () => {
    const all = [...lockstep().constructor.map((arg) => ['constructor', arg] as const), ...lockstep().functions.flatMap((candidate) => candidate.arguments.map((arg) => [candidate.name, arg] as const))];
    for (const [owner, arg] of all) {
      if (/token|password|secret|kubeconfig|registryAuth/i.test(arg.name)) assert.equal(arg.type, 'Secret', `${owner} --${arg.name}`);
    }
  });

  it('never caches a function with side effects; caches the runner and the lock diff', () => {
    const cached = lockstep().functions.filter((candidate) => candidate.cache !== 'never' && !candidate.check).map((candidate) => candidate.name).sort();
    assert.deepEqual(cached, ['lockDiff', 'runner']);
  });
});

describe('names as the engine and the dagger CLI derive them', () => {
  const allNames = () => [
    ...lockstep().constructor.map((arg) => ({ owner: 'constructor', name: arg.name, kind: 'argument' })),
    ...lockstep().functions.map((candidate) => ({ owner: candidate.name, name: candidate.name, kind: 'function' })),
    ...lockstep().functions.flatMap((candidate) => candidate.arguments.map((arg) => ({ owner: candidate.name, name: arg.name, kind: 'argument' }))),
  ];

  it('has no digit and no run of capitals in any function or argument name, so strcase keeps the words people type', () => {
    for (const { owner, name, kind } of allNames()) {
      assert.match(name, /^[a-z]+([A-Z][a-z]+)*$/, `${kind} ${owner}.${name}`);
      assert.equal(strcaseKebab(name), kebab(name), `${kind} ${owner}.${name}`);
    }
    assert.equal(strcaseKebab('e2eTest'), 'e-2-e-test', 'the rule that broke e2eTest');
  });

  it("names no argument like a dagger or dagger call flag (the call would fail: 'flag already exists')", () => {
    const taken = new Set([...daggerGlobalFlags, ...daggerCallFlags]);
    for (const { owner, name, kind } of allNames()) if (kind === 'argument') assert.ok(!taken.has(kebab(name)), `${owner} --${kebab(name)}`);
  });

  it('names each stage function after its CLI command, and each pipeline after its `lockstep run` pipeline', () => {
    const program = buildProgram('0.0.0');
    const resolve = (command: Command, rest: string[]): Command | undefined => {
      if (rest.length === 0) return command;
      for (let take = rest.length; take >= 1; take -= 1) {
        const name = rest.slice(0, take).join('-');
        const sub = command.commands.find((candidate) => candidate.name() === name || candidate.aliases().includes(name));
        const found = sub && resolve(sub, rest.slice(take));
        if (found) return found;
      }
      return undefined;
    };
    for (const name of stageFunctions) assert.ok(resolve(program, kebab(name).split('-')), `lockstep ${kebab(name).replace(/-/g, ' ')}`);
    for (const name of pipelineFunctions) assert.ok(resolve(program, ['run', kebab(name)]), `lockstep run ${kebab(name)}`);
  });
});

/** Every file where a `dagger call` line may be written: workflows and templates (any YAML), the README, docs/. */
async function callSources(): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, keep: (file: string) => boolean) => {
    let entries: Array<{ name: string; isDirectory(): boolean }> = [];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, keep);
      else if (keep(entry.name)) found.push(path);
    }
  };
  await walk(join(root, '.github'), (name) => /\.ya?ml$/.test(name));
  await walk(join(root, 'templates'), (name) => /\.ya?ml$/.test(name));
  await walk(join(root, 'src', 'init'), (name) => /\.ya?ml$/.test(name));
  await walk(join(root, 'docs'), (name) => name.endsWith('.md'));
  found.push(join(root, 'README.md'));
  return found;
}

async function callLines(): Promise<DaggerCallLine[]> {
  const lines: DaggerCallLine[] = [];
  for (const file of await callSources()) {
    const text = await readFile(file, 'utf8');
    const name = relative(root, file);
    if (file.endsWith('.md')) lines.push(...callLinesIn(text, name));
    else {
      // A dagger-for-github step: `call:` holds the words after `dagger call`.
      for (const match of text.matchAll(/^(\s*)call:\s*>-?\s*\n((?:\1\s+.*\n?)+)/gm)) {
        lines.push({ at: `${name}:${text.slice(0, match.index).split('\n').length}`, words: words(match[2]!.replace(/\n/g, ' ')) });
      }
      lines.push(...callLinesIn(text, name));
    }
  }
  return lines;
}

/** Parses one line against the module: returns its problems (an unknown function or flag, a clash). */
function problemsOf(line: DaggerCallLine): string[] {
  const object = lockstep();
  const problems: string[] = [];
  const valueFlags = new Set(['progress', 'model', 'mod', 'm', 'interactive-command', 'command', 'c', 'workdir', 'output', 'o']);
  let index = 0;
  const readFlags = (args: Argument[], allowGlobals: boolean, owner: string) => {
    const byFlag = new Map(args.map((arg) => [kebab(arg.name), arg]));
    while (index < line.words.length) {
      const word = line.words[index]!;
      // A variable the workflow expands into flags ($SMOKE_FLAG): its values are checked where they are set.
      if (/^\$\w+$/.test(word) || word === '…') {
        index += 1;
        continue;
      }
      if (!word.startsWith('-')) return;
      const [flag, inline] = word.replace(/^--?/, '').split(/=(.*)/s);
      index += 1;
      const arg = byFlag.get(flag!);
      if (arg) {
        if (allowGlobals && daggerGlobalFlags.includes(flag!)) problems.push(`${line.at}: --${flag} clashes with dagger's own flag`);
        if (arg.type !== 'Boolean' && inline === undefined) index += 1;
        continue;
      }
      if (flag === 'help' || flag === 'h') continue;
      if (allowGlobals && (daggerGlobalFlags.includes(flag!) || daggerCallFlags.includes(flag!))) {
        if (valueFlags.has(flag!) && inline === undefined) index += 1;
        continue;
      }
      problems.push(`${line.at}: ${owner} has no flag --${flag}`);
    }
  };
  readFlags(object.constructor, true, 'the constructor');
  const name = line.words[index];
  if (name === undefined) return problems;
  index += 1;
  const called = object.functions.find((candidate) => kebab(candidate.name) === name);
  if (!called) return [...problems, `${line.at}: no function ${name}`];
  readFlags(called.arguments, false, name);
  while (index < line.words.length) {
    const chained = line.words[index]!;
    index += 1;
    const flags = coreChains[chained];
    if (!flags) {
      problems.push(`${line.at}: ${chained} is not a function of ${called.returns}`);
      break;
    }
    readFlags(flags.map((flag) => ({ name: flag.replace(/-(\w)/g, (_all, letter: string) => letter.toUpperCase()), type: 'String' }) as Argument), false, chained);
  }
  return problems;
}

describe('every documented and printed `dagger call` line parses against the module', () => {
  it('finds the call lines of the workflows, the README and docs/', async () => {
    const lines = await callLines();
    const files = new Set(lines.map((line) => line.at.split(':')[0]));
    assert.ok(lines.length >= 15, `${lines.length} lines`);
    for (const file of ['README.md', 'docs/dagger.md']) assert.ok(files.has(file), file);
    assert.ok([...files].some((file) => file!.endsWith('.yml')), 'a workflow');
  });

  it('names only functions and flags the module has, and no flag of dagger itself', async () => {
    const problems = (await callLines()).flatMap(problemsOf);
    assert.deepEqual(problems, []);
  });

  it('catches a misspelt function, an unknown flag and a clash with a dagger flag', () => {
    const line = (text: string) => ({ at: 'probe', words: words(text) });
    assert.match(problemsOf(line('promote-stagin --lock-file x'))[0] ?? '', /no function promote-stagin/);
    assert.match(problemsOf(line('deploy --environment staging --lock locks/current.lock.yaml'))[0] ?? '', /deploy has no flag --lock/);
    assert.match(problemsOf(line('e-2-e-test --environment staging'))[0] ?? '', /no function e-2-e-test/);
    assert.deepEqual(problemsOf(line('--source . promote-staging --lock-file locks/current.lock.yaml export --path .lockstep/run')), []);
  });

  it('shows a remote call in the README that the parser accepts', async () => {
    const readme = callLinesIn(await readFile(join(root, 'README.md'), 'utf8'), 'README.md');
    const remote = readme.filter((line) => line.words.includes('--source'));
    assert.ok(remote.length > 0, 'a call with --source');
    assert.match(await readFile(join(root, 'README.md'), 'utf8'), /dagger -m github\.com\/[^\s@]+@[^\s]+ call --source \. /);
    for (const line of remote) assert.deepEqual(problemsOf(line), []);
  });

  it('matches the Dagger function reference in docs/dagger.md (LOCKSTEP_UPDATE_DOCS=1 rewrites it)', async () => {
    const firstSentence = (text: string) => text.replace(/\s+/g, ' ').trim().split(/(?<=\.)\s/)[0] ?? '';
    const rows = lockstep()
      .functions.slice()
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((candidate) => {
        const args = candidate.arguments.map((arg) => `--${kebab(arg.name)}${arg.optional ? '' : ' (required)'}`).join(', ');
        const returns = candidate.check ? 'check' : candidate.returns;
        return `| \`${kebab(candidate.name)}\` | ${args || '–'} | ${returns} | ${firstSentence(candidate.description).replace(/\|/g, '\\|')} |`;
      });
    const table = ['| function | arguments | returns | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n');
    const { readSection, replaceSection } = await import('../../../src/generated/readmeSections.js');
    const docPath = join(root, 'docs', 'dagger.md');
    const doc = await readFile(docPath, 'utf8');
    if (process.env.LOCKSTEP_UPDATE_DOCS === '1') await writeFile(docPath, replaceSection(doc, 'dagger', table));
    else assert.equal(readSection(doc, 'dagger'), table, 'docs/dagger.md Dagger functions are stale: rerun with LOCKSTEP_UPDATE_DOCS=1');
  });
});

describe('the rerun lines a pipeline run through the module prints', () => {
  // The runner's layout as dagger/src hands it to `lockstep run`: inputs under /lockstep/in, the report under /lockstep/out.
  const settings: PipelineSettings = { config: 'lockstep.config.yaml', reportDir: '/lockstep/out/report', github: true, currentLock: 'locks/current.lock.yaml' };
  const context = {
    call: ['--source', '.', '--config', 'lockstep.config.yaml', '--github-token', 'env://GITHUB_TOKEN', '--aws-access-key-id', 'env://AWS_ACCESS_KEY_ID', '--argocd-token', 'env://ARGOCD_AUTH_TOKEN'],
    paths: { '/lockstep/out/report': '.lockstep/run', '/lockstep/in/lock.yaml': 'release.lock.yaml', '/lockstep/in/base.lock.yaml': 'production.lock.yaml' },
  };
  const plans: Record<string, CliStage[]> = {
    'pr-check': prCheckStages(settings, { ref: 'HEAD', pullRequest: 7, project: 'lockstep-pr', branch: 'dev', suites: ['integration'] }),
    hotfix: prCheckStages(settings, { ref: 'HEAD', pullRequest: 8, project: 'lockstep-hotfix', branch: 'fix', base: '/lockstep/in/base.lock.yaml', only: ['cart'] }),
    'stack-test': stackTestStages(settings, { lock: '/lockstep/in/lock.yaml', project: 'lockstep-stack', suites: ['system'] }),
    'promote-staging': promoteStagingStages(settings, { lock: '/lockstep/in/lock.yaml', runUrl: 'https://ci.example.com/run/1' }),
    'promote-production': promoteProductionStages(settings, { lock: 'locks/current.lock.yaml', version: 'v1.4.0', pullRequest: 9, commit: 'abc1234' }),
    rollback: rollbackStages(settings, { environment: 'production', to: 'v1.3.0', smoke: true }),
  };
  const rerunLines = () => Object.entries(plans).flatMap(([pipeline, stages]) => stages.map((stage) => ({ at: `${pipeline}: ${stage.name}`, line: stageRerunLine(stage.args, context) })));

  it('is the `dagger call` of the stage function, with the caller\'s paths and none of the runner\'s', () => {
    for (const { at, line } of rerunLines()) {
      assert.match(line, /^dagger call --source \. --config lockstep\.config\.yaml --github-token env:\/\/GITHUB_TOKEN /, at);
      assert.doesNotMatch(line, /\/lockstep\/|\/work\//, at);
    }
    const byStage = Object.fromEntries(rerunLines().map(({ at, line }) => [at, line]));
    assert.match(byStage['promote-staging: deploy']!, / deploy --environment staging --lock-file release\.lock\.yaml$/);
    assert.match(byStage['promote-staging: open promotion']!, / pr-open-promotion --from staging --to main --lock-file release\.lock\.yaml --end-to-end-summary \.lockstep\/run\/staging\/e2e\/summary\.md --run-url https:/);
    assert.match(byStage['hotfix: hotfix lock']!, / lock-generate --ref HEAD --pull-request 8 --base production\.lock\.yaml --only cart$/);
    assert.match(byStage['pr-check: stack up']!, / stack-test --lock-file \.lockstep\/run\/lock\.yaml$/);
    assert.match(byStage['rollback: rollback']!, / rollback --environment production --to v1\.3\.0 --smoke=false$/);
  });

  it('parses against the module: its functions, their flags, no clash with dagger\'s own flags', () => {
    const problems = rerunLines().flatMap(({ at, line }) => callLinesIn(line, at).flatMap(problemsOf));
    assert.deepEqual(problems, []);
    assert.equal(rerunLines().flatMap(({ at, line }) => callLinesIn(line, at)).length, rerunLines().length, 'every line is a dagger call');
  });

  it('keeps the lockstep command outside the module', () => {
    assert.equal(stageRerunLine(plans['promote-staging']![1]!.args, null), 'lockstep --config lockstep.config.yaml deploy --env staging --lock /lockstep/in/lock.yaml');
  });
});

