import { Option, type Command } from 'commander';

/**
 * The shape of the stage table: each command named once with its flags, defaults and help. commander
 * is built from it (`addCommand`), the pipeline plans write their stages' arguments with it
 * (`commandLine`), and a test holds the Dagger module's arguments to it.
 */
export interface FlagSpec {
  /** commander's syntax: `--ref <ref>` takes a value, `--summary [file]` may, `--registry` and `--no-smoke` are switches. */
  readonly flags: string;
  readonly help: string;
  readonly default?: string | number | boolean;
  /** How help shows the default where the value itself reads badly (300000 ms as 5m). */
  readonly defaultHelp?: string;
  /** Checks and converts the value; a refusal names the flag. */
  readonly parse?: (value: string) => unknown;
  readonly required?: boolean;
  readonly choices?: readonly string[];
  /** The Dagger function argument carrying this flag, where its name is not the flag's. */
  readonly dagger?: string;
}

export interface OperandSpec {
  /** commander's syntax: `<file>`, `<paths...>`. */
  readonly name: string;
  readonly help: string;
  /** The Dagger function argument carrying this operand. */
  readonly dagger?: string;
}

export interface CommandSpec {
  /** The group it belongs to (`lock` of `lock generate`); none for a top-level command. */
  readonly group?: string;
  readonly name: string;
  readonly description: string;
  readonly alias?: string;
  /** The command run when its group is named alone. */
  readonly isDefault?: boolean;
  readonly operands?: readonly OperandSpec[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly helpAfter?: string;
}

type ValueOf<F> = F extends { parse: (value: string) => infer T }
  ? T
  : F extends { choices: ReadonlyArray<infer C> }
    ? C
    : F extends { flags: `${string}<${string}>` }
      ? string
      : F extends { flags: `${string}[${string}]` }
        ? string | true
        : boolean;

type AlwaysSet<F> = F extends { required: true } ? true : F extends { default: unknown } ? true : F extends { flags: `--no-${string}` } ? true : false;

/** The options commander hands a command's action, typed from its table entry. */
export type OptionsOf<C extends CommandSpec> = {
  -readonly [K in keyof C['flags']]: AlwaysSet<C['flags'][K]> extends true ? ValueOf<C['flags'][K]> : ValueOf<C['flags'][K]> | undefined;
};

/** A value an earlier stage of a pipeline outputs (`{{version}}`), put in when the stage runs. */
export type Placeholder = `{{${string}}}`;

/** Values for some of a command's flags, as a plan or a caller writes them. */
export type FlagValues<C extends Pick<CommandSpec, 'flags'>> = { [K in keyof C['flags']]?: ValueOf<C['flags'][K]> | Placeholder | readonly string[] | number | undefined };

export function longFlag(flag: FlagSpec): string {
  const long = flag.flags.split(/[ ,|]+/).find((word) => word.startsWith('--'));
  if (!long) throw new Error(`${flag.flags}: no long flag`);
  return long;
}

/**
 * The words for the given flags, in the order given: a value flag with its value (a list joined by
 * commas), a switch alone when on (a `--no-` switch when off). Flags left undefined are left out.
 */
export function flagWords<C extends Pick<CommandSpec, 'flags'>>(spec: C, values: FlagValues<C>): string[] {
  const words: string[] = [];
  for (const [key, value] of Object.entries(values) as Array<[string, unknown]>) {
    const flag = spec.flags[key];
    if (!flag) throw new Error(`no flag ${key}`);
    if (value === undefined) continue;
    const long = longFlag(flag);
    if (typeof value === 'boolean') {
      if (long.startsWith('--no-') ? !value : value) words.push(long);
    } else words.push(long, Array.isArray(value) ? value.join(',') : String(value));
  }
  return words;
}

/** A command's whole argument list (`lock generate --ref dev ...`), without the program name. */
export function commandLine<C extends CommandSpec>(spec: C, values: FlagValues<C>, operands: readonly string[] = []): string[] {
  return [...(spec.group ? [spec.group] : []), spec.name, ...operands, ...flagWords(spec, values)];
}

/** The commander option a table flag describes. */
export function toOption(flag: FlagSpec): Option {
  const option = new Option(flag.flags, flag.help);
  if (flag.parse) option.argParser(flag.parse);
  if (flag.choices) option.choices(flag.choices);
  if (flag.default !== undefined) option.default(flag.default, flag.defaultHelp);
  if (flag.required) option.makeOptionMandatory();
  return option;
}

/** Declares a command from its table entry under the program, creating its group the first time. */
export function addCommand(program: Command, spec: CommandSpec, groups: Readonly<Record<string, string>>): Command {
  let parent = program;
  if (spec.group) {
    const group = spec.group;
    parent = program.commands.find((command) => command.name() === group) ?? program.command(group).description(groups[group] ?? '');
  }
  const command = parent.command(spec.name, spec.isDefault ? { isDefault: true } : {}).description(spec.description);
  if (spec.alias) command.alias(spec.alias);
  for (const operand of spec.operands ?? []) command.argument(operand.name, operand.help);
  for (const flag of Object.values(spec.flags)) command.addOption(toOption(flag));
  if (spec.helpAfter) command.addHelpText('after', spec.helpAfter);
  return command;
}
