import { Command, type Option } from 'commander';
import { commanderErrorLine } from './errors.js';
import { actions } from './actions.js';
import { declareCommand, programFlags, stages } from './table/index.js';
import { toOption } from './table/spec.js';

/**
 * The command tree: each command of the stage table (./table), in its order, with its action
 * (./actions), loaded when the command runs.
 */
export function buildProgram(version: string): Command {
  const program = new Command('lockstep')
    .description('Promote a microservice system from dev to staging to production with one release lock.')
    .version(version, '-V, --version')
    .configureOutput({ outputError: (text, write) => write(commanderErrorLine(text)) })
    .exitOverride();
  for (const flag of Object.values(programFlags)) program.addOption(toOption(flag));
  for (const [key, spec] of Object.entries(stages) as Array<[keyof typeof stages, (typeof stages)[keyof typeof stages]]>) {
    declareCommand(program, spec).action(async (...args: unknown[]) => {
      const action = (await actions[key]()) as (...args: unknown[]) => Promise<void>;
      await action(...args);
    });
  }
  applyToAll(program, (command) => command.exitOverride());
  versionFlagBeforeSubcommandsOnly(program);
  return program;
}

/**
 * `release --version vX.Y.Z` is the subcommand's option, but commander lets a program option match
 * anywhere on the line, so the program's own --version would print the version instead. It counts
 * only when no subcommand is named.
 */
function versionFlagBeforeSubcommandsOnly(program: Command): void {
  const options = program.options as Option[];
  const versionOption = options.find((option) => option.long === '--version');
  if (!versionOption) return;
  const parseOptions = program.parseOptions.bind(program);
  program.parseOptions = (args: string[]) => {
    if (!args.some((arg) => program.commands.some((command) => command.name() === arg))) return parseOptions(args);
    const position = options.indexOf(versionOption);
    options.splice(position, 1);
    try {
      return parseOptions(args);
    } finally {
      options.splice(position, 0, versionOption);
    }
  };
}

function applyToAll(command: Command, apply: (command: Command) => void): void {
  for (const sub of command.commands) {
    apply(sub);
    applyToAll(sub, apply);
  }
}
