import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';

/** `lockstep lock ...`: generate, verify, compare and show release locks. */
export function registerLockCommands(program: Command): void {
  const lock = program.command('lock').description('Generate, verify, compare and show release locks.');

  lock
    .command('verify')
    .description('Check a lock: schema and integrity (and with --registry, that every digest still exists).')
    .argument('<file>', 'the lock file (YAML or JSON)')
    .action(async (file: string, _options: unknown, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions>();
      const { readLock } = await import('../../lock/read.js');
      const { lockId } = await import('../../lock/integrity.js');
      const verified = await readLock(file);
      emit(output, { file, ok: true, id: lockId(verified), integrity: verified.integrity, services: Object.keys(verified.services).length }, () =>
        `✔ ${file}: schema and integrity ok (lock ${lockId(verified)}, ${Object.keys(verified.services).length} services)`,
      );
    });

  lock
    .command('diff')
    .description('Show which services changed between two locks.')
    .argument('<old>', 'the earlier lock')
    .argument('<new>', 'the later lock')
    .option('--markdown', 'render a markdown table (for PR comments)')
    .action(async (oldFile: string, newFile: string, options: { markdown?: boolean }, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions>();
      const { readLock } = await import('../../lock/read.js');
      const { diffLocks } = await import('../../lock/diff.js');
      const { renderDiffMarkdown, renderDiffText } = await import('../../lock/render.js');
      const diff = diffLocks(await readLock(oldFile), await readLock(newFile));
      emit(output, diff, () => (options.markdown ? renderDiffMarkdown(diff) : renderDiffText(diff)));
    });

  lock
    .command('show')
    .description('Print a lock as a readable table.')
    .argument('<file>', 'the lock file')
    .option('--markdown', 'render a markdown table')
    .action(async (file: string, options: { markdown?: boolean }, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions>();
      const { readLock } = await import('../../lock/read.js');
      const { renderLockMarkdown, renderLockText } = await import('../../lock/render.js');
      const shown = await readLock(file);
      emit(output, shown, () => (options.markdown ? renderLockMarkdown(shown) : renderLockText(shown)));
    });
}
