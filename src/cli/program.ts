import { Command, type Option } from 'commander';
import { registerDemoCommands } from './commands/demo.js';
import { registerEnvironmentCommands } from './commands/env.js';
import { registerGateCommands } from './commands/gate.js';
import { registerInitCommands } from './commands/init.js';
import { registerLockCommands } from './commands/lock.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerPrCommands } from './commands/pr.js';
import { registerReleaseCommands } from './commands/release.js';
import { registerRunCommands } from './commands/run.js';
import { registerStackCommands } from './commands/stack.js';
import { commanderErrorLine } from './errors.js';
import { programFlags } from './table/index.js';
import { toOption } from './table/spec.js';

/**
 * The command tree. Each group module declares its commands from the stage table (./table) and
 * gives them their actions; the code that does the work (config parsing, registries, GitHub,
 * Kubernetes, compose) is imported inside the action, so `lockstep --help` and every command load
 * only what they use. Small modules without dependencies (errors, paths, the
 * pipeline plans) are imported statically: loading them lazily saves nothing.
 */
const groups: Array<(program: Command) => void> = [registerLockCommands, registerPolicyCommands, registerEnvironmentCommands, registerReleaseCommands, registerStackCommands, registerPrCommands, registerGateCommands, registerRunCommands, registerDemoCommands, registerInitCommands];

export function buildProgram(version: string): Command {
  const program = new Command('lockstep')
    .description('Promote a microservice system from dev to staging to production with one release lock.')
    .version(version, '-V, --version')
    .configureOutput({ outputError: (text, write) => write(commanderErrorLine(text)) })
    .exitOverride();
  for (const flag of Object.values(programFlags)) program.addOption(toOption(flag));
  for (const register of groups) register(program);
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
