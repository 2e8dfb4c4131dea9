import { readFileSync } from 'node:fs';
import { reportError } from './errors.js';
import { buildProgram } from './program.js';
import { resultFileArgument, stageResult, writeStageResult } from './stageResult.js';

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

export async function main(argv: string[]): Promise<number> {
  const resultFile = resultFileArgument(argv.slice(2));
  let status: number;
  let failure: unknown;
  try {
    const program = buildProgram(packageVersion());
    await program.parseAsync(argv);
    status = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    failure = error;
    status = reportError(error);
  }
  if (resultFile !== undefined) await writeStageResult(resultFile, stageResult(status, failure));
  return status;
}
