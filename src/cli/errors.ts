import { CommanderError } from 'commander';
import { ExitCode, isLockstepError } from '../errors.js';

/**
 * commander prints its own parse errors (unknown command, bad flag value), sometimes over several lines
 * ("Did you mean ...?"). Bad input is one line on stderr, so those are joined, in lockstep's voice.
 */
export function commanderErrorLine(text: string): string {
  const joined = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join(' ');
  return `${joined.replace(/^error: /, 'lockstep: ')}\n`;
}

/**
 * Turns whatever ended a command into an exit status and stderr lines. Input errors are exactly one
 * line; other known errors may add their details; only bugs show a stack, and only with LOCKSTEP_DEBUG.
 */
export function reportError(error: unknown, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.ok;
    // commander has already printed its message.
    return ExitCode.badInput;
  }
  if (isLockstepError(error)) {
    write(`lockstep: ${error.message}`);
    if (error.code !== 'BAD_INPUT') {
      for (const detail of error.details) write(`  ${detail}`);
      if (error.hint) write(`  hint: ${error.hint}`);
    }
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`lockstep: internal error: ${message.split('\n')[0]}`);
  if (process.env.LOCKSTEP_DEBUG && error instanceof Error && error.stack) write(error.stack);
  return ExitCode.internal;
}
