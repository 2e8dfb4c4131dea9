import { formatDuration } from '../report/html.js';

/**
 * Shows a pipeline's progress on stderr: on a terminal one live line per stage with a spinner and the
 * elapsed time; elsewhere (CI logs) a start line and an end line per stage.
 */
export interface ProgressDisplay {
  start(index: number, total: number, name: string): void;
  note(message: string): void;
  finish(index: number, total: number, name: string, status: 'passed' | 'failed' | 'skipped', durationMs: number, detail: string): void;
  close(): void;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr, quiet = Boolean(process.env.LOCKSTEP_QUIET)): ProgressDisplay {
  if (quiet) return { start() {}, note() {}, finish() {}, close() {} };
  const live = stream.isTTY === true && !process.env.CI;
  let timer: NodeJS.Timeout | undefined;
  let current = '';
  let started = 0;
  let frame = 0;
  const draw = () => {
    stream.write(`\r\x1b[2K${frames[frame % frames.length]} ${current} ${formatDuration(performance.now() - started)}`);
    frame += 1;
  };
  const stopSpinner = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (live) stream.write('\r\x1b[2K');
  };
  return {
    start(index, total, name) {
      current = `[${index}/${total}] ${name}`;
      started = performance.now();
      if (live) {
        draw();
        timer = setInterval(draw, 100);
        timer.unref();
      } else stream.write(`▶ ${current}\n`);
    },
    note(message) {
      if (live) {
        stopSpinner();
        stream.write(`    ${message}\n`);
        timer = setInterval(draw, 100);
        timer.unref();
      } else stream.write(`    ${message}\n`);
    },
    finish(index, total, name, status, durationMs, detail) {
      stopSpinner();
      const mark = status === 'passed' ? '✔' : status === 'failed' ? '✖' : '–';
      stream.write(`${mark} [${index}/${total}] ${name} (${formatDuration(durationMs)})${detail ? ` ${detail}` : ''}\n`);
    },
    close: stopSpinner,
  };
}
