import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { commaList, positiveInt } from '../../../src/cli/parse.js';
import { programFlags, stages } from '../../../src/cli/table/index.js';
import { longFlag, type CommandSpec, type FlagSpec } from '../../../src/cli/table/spec.js';

/**
 * The Dagger module may import nothing of src/ (the engine loads it alone), so it writes the CLI's
 * flags as words. This holds those words, the functions' arguments and their defaults to the stage
 * table, read from the module's source as the compiler parses it.
 */
const modulePath = fileURLToPath(new URL('../../../dagger/src/index.ts', import.meta.url));

interface Parameter {
  name: string;
  type: string;
  initializer?: string;
}
interface DaggerFunction {
  name: string;
  parameters: Parameter[];
  /** The `--flag` words the function writes. */
  flags: string[];
  /** The pipeline it runs (`this.pipeline('stack-test', ...)`), for a pipeline function. */
  pipeline?: string;
}

/** Arguments that shape the call itself, not the command: no CLI flag carries them. */
const moduleOnly: Record<string, string> = {
  strict: 'whether a failed pipeline fails the call instead of returning its report',
  format: 'how lock-diff returns its result: text, --markdown or --json',
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

function scan(source: string): { functions: DaggerFunction[]; flags: string[]; constructorFlags: string[] } {
  const file = ts.createSourceFile(modulePath, source, ts.ScriptTarget.Latest, true);
  const functions: DaggerFunction[] = [];
  const allFlags: string[] = [];
  // The module's own flags (its constructor's arguments, and --source), which the rerun lines of a `dagger call` repeat.
  const constructorFlags = ['--source'];
  const flagsIn = (node: ts.Node): string[] => {
    const found: string[] = [];
    const visit = (child: ts.Node) => {
      // Other programs' flags: the runner's apk and npm, the Docker engine's dockerd.
      if (ts.isCallExpression(child) && /\.(withExec|asService)$/.test(child.expression.getText(file)) && !child.arguments.some((argument) => /lockstep\.js/.test(argument.getText(file)))) return;
      if ((ts.isStringLiteral(child) || ts.isNoSubstitutionTemplateLiteral(child)) && /^--[a-z]/.test(child.text)) found.push(child.text);
      ts.forEachChild(child, visit);
    };
    visit(node);
    return found;
  };
  const visit = (node: ts.Node) => {
    if (ts.isClassDeclaration(node)) allFlags.push(...flagsIn(node));
    if (ts.isConstructorDeclaration(node)) constructorFlags.push(...node.parameters.map((parameter) => `--${kebab(parameter.name.getText(file))}`));
    if (ts.isMethodDeclaration(node) && (ts.getDecorators(node) ?? []).some((decorator) => decorator.getText(file).startsWith('@func'))) {
      let pipeline: string | undefined;
      const findPipeline = (child: ts.Node) => {
        if (ts.isCallExpression(child) && child.expression.getText(file) === 'this.pipeline' && child.arguments[0] && ts.isStringLiteral(child.arguments[0])) pipeline = child.arguments[0].text;
        ts.forEachChild(child, findPipeline);
      };
      findPipeline(node);
      functions.push({
        name: node.name.getText(file),
        parameters: node.parameters.map((parameter) => ({
          name: parameter.name.getText(file),
          type: parameter.type?.getText(file) ?? 'unknown',
          ...(parameter.initializer ? { initializer: parameter.initializer.getText(file) } : {}),
        })),
        flags: node.body ? flagsIn(node.body) : [],
        ...(pipeline ? { pipeline } : {}),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { functions, flags: allFlags, constructorFlags };
}

const specs: CommandSpec[] = Object.values(stages);

/** The command a function runs: `lockstep run <pipeline>`, else the command its name spells (lockGenerate: lock generate). */
function commandOf(daggerFunction: DaggerFunction): CommandSpec | undefined {
  if (daggerFunction.pipeline) return specs.find((spec) => spec.group === 'run' && spec.name === daggerFunction.pipeline);
  const name = kebab(daggerFunction.name);
  // A check function may name its command without the group (digestOnly: policy digest-only); a group's default command goes by the group's name.
  const names = (spec: CommandSpec) => [spec.name, ...(spec.group ? [`${spec.group}-${spec.name}`] : []), ...(spec.alias ? [spec.alias] : []), ...(spec.isDefault && spec.group ? [spec.group] : [])];
  return specs.find((spec) => spec.group !== 'run' && names(spec).includes(name));
}

function carrierOf(spec: CommandSpec, parameter: string): { flag?: FlagSpec; operand?: true } | undefined {
  const flag = Object.entries(spec.flags).find(([key, candidate]) => (candidate.dagger ?? key) === parameter)?.[1];
  if (flag) return { flag };
  if ((spec.operands ?? []).some((operand) => operand.dagger === parameter)) return { operand: true };
  return undefined;
}

const isSwitch = (flag: FlagSpec) => !/[<[]/.test(flag.flags);

function problemsOf(source: string): string[] {
  const { functions, flags, constructorFlags } = scan(source);
  const problems: string[] = [];
  const known = new Set([...specs.flatMap((spec) => Object.values(spec.flags).map(longFlag)), ...Object.values(programFlags).map(longFlag), ...constructorFlags]);
  for (const flag of flags) if (!known.has(flag)) problems.push(`${flag} is no flag of the stage table`);
  for (const daggerFunction of functions) {
    const spec = commandOf(daggerFunction);
    if (!spec) {
      // The runner and the checks that run a command with no flag of their own.
      for (const flag of daggerFunction.flags) if (!Object.values(programFlags).some((candidate) => longFlag(candidate) === flag)) problems.push(`${daggerFunction.name} writes ${flag} but runs no command of the table`);
      continue;
    }
    const where = `${daggerFunction.name} (lockstep ${[spec.group, spec.name].filter(Boolean).join(' ')})`;
    const own = new Set([...Object.values(spec.flags).map(longFlag), ...Object.values(programFlags).map(longFlag)]);
    for (const flag of daggerFunction.flags) if (!own.has(flag)) problems.push(`${where} writes ${flag}, not a flag of its command`);
    for (const parameter of daggerFunction.parameters) {
      if (moduleOnly[parameter.name]) continue;
      const carrier = carrierOf(spec, parameter.name);
      if (!carrier) {
        problems.push(`${where} --${kebab(parameter.name)} is carried by no flag or operand of its command`);
        continue;
      }
      const flag = carrier.flag;
      if (!flag) continue;
      const baseType = parameter.type.replace(/\s*\|\s*(undefined|null)/g, '');
      if (isSwitch(flag) !== (baseType === 'boolean')) problems.push(`${where} --${kebab(parameter.name)} is ${baseType} but ${flag.flags} is ${isSwitch(flag) ? 'a switch' : 'a value flag'}`);
      if (flag.parse === positiveInt && baseType !== 'number') problems.push(`${where} --${kebab(parameter.name)} should be a number, like ${flag.flags}`);
      if (flag.parse === commaList && baseType !== 'string[]') problems.push(`${where} --${kebab(parameter.name)} should be a list, like ${flag.flags}`);
      if (parameter.initializer === undefined) continue;
      if (isSwitch(flag)) {
        const implied = longFlag(flag).startsWith('--no-') ? 'true' : 'false';
        if (parameter.initializer !== implied) problems.push(`${where} --${kebab(parameter.name)} defaults to ${parameter.initializer}, the CLI to ${implied}`);
      } else problems.push(`${where} --${kebab(parameter.name)} restates a default (${parameter.initializer}); the stage table holds it${flag.default === undefined ? '' : ` (${String(flag.default)})`}`);
    }
  }
  return problems;
}

describe("the Dagger module's functions against the stage table", () => {
  const source = readFileSync(modulePath, 'utf8');

  it('finds every function and the command it runs', () => {
    const { functions } = scan(source);
    assert.ok(functions.length >= 20, `${functions.length} functions`);
    const resolved = functions.filter((candidate) => commandOf(candidate)).map((candidate) => candidate.name);
    for (const name of ['lockGenerate', 'deploy', 'endToEnd', 'release', 'digestOnly', 'prCheck', 'rollback', 'hotfix']) assert.ok(resolved.includes(name), name);
    assert.equal(commandOf(functions.find((candidate) => candidate.name === 'rollback')!)?.group, 'run', 'rollback runs the pipeline');
  });

  it('writes only flags of the command each function runs, carries each argument by one of them, and restates no default', () => {
    assert.deepEqual(problemsOf(source), []);
  });

  it('catches a flag the command lacks, an argument no flag carries, a restated default and a switch taken as a value', () => {
    const broken = source
      .replace("['health', '--env', environment]", "['health', '--environment', environment]")
      .replace('/** Approvals required (default: the CLI\'s). */\n    required?: number,', "/** Approvals required. */\n    required: number = 4,")
      .replace('registry: boolean = false', 'registry: string')
      .replace('    /** The environment to probe. */\n    environment: string,', '    /** The environment to probe. */\n    environment: string,\n    /** Retries. */\n    retries?: number,');
    const problems = problemsOf(broken);
    assert.ok(problems.some((problem) => /--environment is no flag of the stage table/.test(problem)), problems.join('\n'));
    assert.ok(problems.some((problem) => /health .*writes --environment, not a flag of its command/.test(problem)), problems.join('\n'));
    assert.ok(problems.some((problem) => /gateApprovals .*--required restates a default \(4\); the stage table holds it \(4\)/.test(problem)), problems.join('\n'));
    assert.ok(problems.some((problem) => /lockVerify .*--registry is string but --registry is a switch/.test(problem)), problems.join('\n'));
    assert.ok(problems.some((problem) => /smoke .*--retries is carried by no flag/.test(problem)), problems.join('\n'));
  });
});
