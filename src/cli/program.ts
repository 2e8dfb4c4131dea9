import { Command } from 'commander';
import { registerGateCommands } from './commands/gate.js';
import { registerLockCommands } from './commands/lock.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerPrCommands } from './commands/pr.js';
import { registerStackCommands } from './commands/stack.js';
import { commanderErrorLine } from './errors.js';

/**
 * The command tree. Each group module only declares commands and flags; the code that does the work is
 * imported inside the action, so `lockstep --help` and every command load only what they use.
 */
const groups: Array<(program: Command) => void> = [registerLockCommands, registerPolicyCommands, registerStackCommands, registerPrCommands, registerGateCommands];

export function buildProgram(version: string): Command {
  const program = new Command('lockstep')
    .description('Promote a microservice system from dev to staging to production with one release lock.')
    .version(version, '-V, --version')
    .option('-c, --config <file>', 'the lockstep config file', 'lockstep.config.yaml')
    .option('--json', 'print machine-readable JSON instead of tables')
    .configureOutput({ outputError: (text, write) => write(commanderErrorLine(text)) })
    .exitOverride();
  for (const register of groups) register(program);
  applyToAll(program, (command) => command.exitOverride());
  return program;
}

function applyToAll(command: Command, apply: (command: Command) => void): void {
  for (const sub of command.commands) {
    apply(sub);
    applyToAll(sub, apply);
  }
}
