import type { Command } from 'commander';
import { recordArtifacts } from '../stageResult.js';
import { emit, progress, type OutputOptions } from '../output.js';
import { declareCommand, stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { InputError } from '../../errors.js';
import { defaultConfigFile } from '../../defaults.js';
import { writeAtomic } from '../../io/writeAtomic.js';
import { appendFile, readFile } from 'node:fs/promises';

export interface GitHubFlags {
  tokenEnv: string;
  apiUrl?: string;
}

/** The config file and whether it was named explicitly (a missing default file is allowed). */
export function configChoice(command: Command): { file: string; explicit: boolean } {
  let root = command;
  while (root.parent) root = root.parent;
  return { file: String(root.opts().config ?? defaultConfigFile), explicit: root.getOptionValueSource('config') === 'cli' };
}

/** Loads the `github` config section and connects; imported lazily so `--help` stays fast. */
export async function gitHubContext(command: Command, flags: GitHubFlags) {
  const { loadGithubConfig } = await import('../../github/settings.js');
  const { connectGitHub } = await import('../../github/connect.js');
  const choice = configChoice(command);
  const config = await loadGithubConfig(choice.file, choice.explicit);
  const github = connectGitHub({ tokenEnv: flags.tokenEnv, apiUrl: flags.apiUrl, config, configFile: choice.file, onNotice: progress });
  return { config, github, deps: { github, progress } };
}

/** `lockstep pr ...`: the lock comment, the lock commit and the promotion pull request. */
export function registerPrCommands(program: Command): void {
  declareCommand(program, stages.prComment).action(async (options: OptionsOf<typeof stages.prComment>, command: Command) => {
    const output = command.optsWithGlobals<OutputOptions>();
    const { readLock } = await import('../../lock/read.js');
    const lock = await readLock(options.lock);
    const baseLock = options.baseLock ? await readLocalLock(options.baseLock) : undefined;
    const stepSummaryFile = process.env.GITHUB_STEP_SUMMARY || undefined;

    if (options.dryRun || options.out !== undefined) {
      const { renderLockComment } = await import('../../github/lockComment.js');
      const { loadGithubConfig } = await import('../../github/settings.js');
      const choice = configChoice(command);
      const { lockPath } = await loadGithubConfig(choice.file, choice.explicit);
      const body = renderLockComment({ lock, baseRef: options.base, base: baseLock ?? { state: 'absent', label: `${lockPath}@${options.base}` } });
      if (stepSummaryFile) await appendFile(stepSummaryFile, `${body}\n`);
      if (options.out !== undefined && options.out !== '-') {
        await writeAtomic(options.out, body);
        recordArtifacts(options.out);
        emit(output, { dryRun: true, out: options.out, bytes: Buffer.byteLength(body) }, () => `✔ rendered the lock comment to ${options.out}`);
      } else {
        emit(output, { dryRun: true, body }, () => body);
      }
      return;
    }
    if (options.pr === undefined) throw new InputError('--pr', undefined, 'is required unless --dry-run or --out is given');

    const { config, deps } = await gitHubContext(command, options);
    const { commentLockOnPullRequest } = await import('../../stages/prComment.js');
    const result = await commentLockOnPullRequest(
      { pullRequest: options.pr, lock, lockPath: config.lockPath, baseLock, stepSummaryFile },
      deps,
    );
    const { body: _body, ...summary } = result;
    emit(output, summary, () => `✔ ${result.action} the lock comment (lock ${result.lockId}) on #${result.pullRequest}: ${result.url}`);
  });

  declareCommand(program, stages.prCommitLock).action(async (options: OptionsOf<typeof stages.prCommitLock>, command: Command) => {
    const output = command.optsWithGlobals<OutputOptions>();
    const { readLock } = await import('../../lock/read.js');
    const lock = await readLock(options.lock);
    const { config, deps } = await gitHubContext(command, options);
    const { commitLockToBranch } = await import('../../stages/commitLock.js');
    const result = await commitLockToBranch(
      {
        branch: options.branch,
        lock,
        lockPath: config.lockPath,
        pullRequest: options.pr,
        expectedHead: options.expectedHead,
        force: options.force === true,
      },
      deps,
    );
    emit(output, result, () =>
      result.action === 'committed'
        ? `✔ committed lock ${result.lockId} to ${result.branch} as ${result.commit}${result.forced ? ' (forced)' : ''}\n  ${result.message}`
        : `✔ ${result.branch} already carries lock ${result.lockId} in ${result.path}; nothing to commit`,
    );
  });

  declareCommand(program, stages.prOpenPromotion).action(async (options: OptionsOf<typeof stages.prOpenPromotion>, command: Command) => {
    const output = command.optsWithGlobals<OutputOptions>();
    if (options.from === options.to) throw new InputError('--to', undefined, 'must differ from --from');
    const { readLock } = await import('../../lock/read.js');
    const { readBoundedText } = await import('../../io/readDocument.js');
    const lock = await readLock(options.lock);
    const e2eSummary = options.e2eSummary ? await readBoundedText(options.e2eSummary, { maxBytes: 1024 * 1024 }) : undefined;
    const runUrls = options.runUrl ? [{ name: `${options.from} run`, url: options.runUrl }] : [];
    if (options.out !== undefined) {
      const { promotionTitle, renderPromotionBody } = await import('../../github/promotionBody.js');
      const target = options.targetLock ? await readLocalLock(options.targetLock) : { state: 'absent' as const, label: `${options.to} (not given)` };
      const body = renderPromotionBody({ lock, from: options.from, to: options.to, target, e2eSummary, runUrls });
      await writeAtomic(options.out, `# ${promotionTitle(lock, options.from, options.to)}\n\n${body}`);
      recordArtifacts(options.out);
      emit(output, { dryRun: true, out: options.out }, () => `✔ rendered the promotion pull request to ${options.out}`);
      return;
    }
    const { config, deps } = await gitHubContext(command, options);
    const { openPromotion } = await import('../../stages/openPromotion.js');
    const result = await openPromotion(
      {
        from: options.from,
        to: options.to,
        lock,
        lockPath: config.lockPath,
        labels: config.labels,
        e2eSummary,
        runUrls,
      },
      deps,
    );
    emit(output, result, () => `✔ ${result.action} promotion #${result.number} (${result.label}) for lock ${result.lockId}: ${result.url}`);
  });
}

/** A lock file given on the command line, kept with its bytes for byte-for-byte comparisons. */
export async function readLocalLock(file: string) {
  const { readLock } = await import('../../lock/read.js');
  const lock = await readLock(file);
  return { state: 'valid' as const, label: file, lock, bytes: await readFile(file) };
}
