import { CommanderError } from 'commander';
import { ExitCode, isLockstepError } from '../errors.js';
import { pathFailure } from '../io/writeAtomic.js';
import { terminalText } from '../render/escape.js';
import { redact } from '../render/redact.js';

/**
 * commander prints its own parse errors (unknown command, bad flag value), sometimes over several lines
 * ("Did you mean ...?"). Bad input is one line on stderr, so those are joined, in lockstep's voice.
 */
export function commanderErrorLine(text: string): string {
  const joined = text
    .split('\n')
    .map((line) => printable(line.trim()))
    .filter((line) => line.length > 0)
    .join(' ');
  return `${joined.replace(/^error: /, 'lockstep: ')}\n`;
}

/**
 * Messages quote input (a key, a flag value, a registry's answer). Its control characters are shown
 * escaped, so a message stays on one line and cannot move the cursor or recolour the terminal.
 */
export const printable = terminalText;

/**
 * Turns whatever ended a command into an exit status and stderr lines. Input errors are exactly one
 * line; other known errors may add their details; only bugs show a stack, and only with LOCKSTEP_DEBUG.
 */
export function reportError(thrown: unknown, writeLine: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): number {
  const write = (line: string) => writeLine(redact(line));
  const error = pathFailure(thrown);
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.ok;
    // commander has already printed its message.
    return ExitCode.badInput;
  }
  if (isLockstepError(error)) {
    write(`lockstep: ${printable(error.message)}`);
    if (error.code !== 'BAD_INPUT') {
      for (const detail of error.details) write(`  ${printable(detail)}`);
      if (error.hint) write(`  hint: ${printable(error.hint)}`);
    }
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`lockstep: internal error: ${printable(message.split('\n')[0] ?? '')}`);
  if (process.env.LOCKSTEP_DEBUG && error instanceof Error && error.stack) write(error.stack);
  return ExitCode.internal;
}
