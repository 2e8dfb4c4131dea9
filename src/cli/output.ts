import { recordSummary } from './stageResult.js';

/** Output for people (text, tables) or for machines (`--json`): one choice per command run. */
export interface OutputOptions {
  json?: boolean;
}

export function emit(options: OutputOptions, data: unknown, text: () => string): void {
  const rendered = text();
  recordSummary(rendered);
  if (options.json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else process.stdout.write(rendered.endsWith('\n') ? rendered : `${rendered}\n`);
}

/** Progress lines go to stderr so that stdout stays clean for `--json` and `--out -`. */
export function progress(message: string): void {
  if (process.env.LOCKSTEP_QUIET) return;
  process.stderr.write(`${message}\n`);
}
