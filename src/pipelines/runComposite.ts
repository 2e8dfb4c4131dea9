import { join } from 'node:path';
import type { RunReport } from '../report/runReport.js';
import { writeRunReport } from '../report/writeRunReport.js';
import { createProgressDisplay, type ProgressDisplay } from '../run/progressDisplay.js';
import { runPipeline } from '../run/runPipeline.js';
import { cliPipelineStage, type CliStageOptions } from './executeCliStage.js';
import type { CliStage } from './plans.js';

export interface CompositeRun {
  report: RunReport;
  files: { json: string; html: string };
}

/** Runs a composite's stages as CLI commands and writes `run.json` and `index.html` to the report folder. */
export async function runComposite(
  pipeline: string,
  stages: CliStage[],
  options: CliStageOptions & { reportDir: string; display?: ProgressDisplay },
): Promise<CompositeRun> {
  const display = options.display ?? createProgressDisplay();
  const report = await runPipeline(
    pipeline,
    stages.map((stage) => cliPipelineStage(stage, options)),
    display,
  );
  const reportDir = options.reportDir.startsWith('/') ? options.reportDir : join(options.cwd, options.reportDir);
  const files = await writeRunReport(reportDir, report);
  return { report, files };
}
