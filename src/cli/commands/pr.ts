import { InvalidArgumentError, type Command } from 'commander';
import { recordArtifacts } from '../stageResult.js';
import { emit, progress, type OutputOptions } from '../output.js';
import { envVarName, positiveInt } from '../parse.js';
import { InputError } from '../../errors.js';
import { writeAtomic } from '../../io/writeAtomic.js';
import { appendFile, readFile } from 'node:fs/promises';

export interface GitHubFlags {
  tokenEnv: string;
  apiUrl?: string;
}

/** The flags every command talking to GitHub takes: where the token is, which API. */
export function withGitHubFlags(command: Command): Command {
  return command
    .option('--token-env <name>', 'the environment variable holding the GitHub token', envVarName, 'GITHUB_TOKEN')
    .option('--api-url <url>', 'the GitHub REST API root (GitHub Enterprise); default GITHUB_API_URL, else api.github.com');
}

/** A branch name GitHub accepts (git check-ref-format, simplified to what lockstep needs). */
export function branchName(value: string): string {
  if (!/^[A-Za-z0-9._/-]{1,200}$/.test(value) || value.startsWith('-') || value.startsWith('/') || value.endsWith('/') || value.includes('..') || value.endsWith('.lock')) {
    throw new InvalidArgumentError('must be a branch name such as staging');
  }
  return value;
}

export function fullCommit(value: string): string {
  if (!/^[0-9a-f]{40}$/.test(value)) throw new InvalidArgumentError('must be a full 40-hex-digit commit');
  return value;
}

export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError('must be an http(s) URL');
  return value;
}

/** The config file and whether it was named explicitly (a missing default file is allowed). */
export function configChoice(command: Command): { file: string; explicit: boolean } {
  let root = command;
  while (root.parent) root = root.parent;
  return { file: String(root.opts().config ?? 'lockstep.config.yaml'), explicit: root.getOptionValueSource('config') === 'cli' };
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
  const pr = program.command('pr').description('Comment the lock on its pull request, commit it, open the promotion pull request.');

  withGitHubFlags(
    pr
      .command('comment')
      .description('Post the lock and its diff against the target branch as one sticky comment on the pull request.')
      .option('--pr <number>', 'the pull request (required unless --dry-run or --out)', positiveInt)
      .requiredOption('--lock <file>', 'the lock generated for the pull request')
      .option('--base-lock <file>', 'diff against this lock instead of the one on the target branch')
      .option('--base <branch>', 'the target branch named in a --dry-run rendering', branchName, 'staging')
      .option('--dry-run', 'render the comment without GitHub (to stdout, or to --out)')
      .option('--out <file>', 'write the rendered comment to this file ("-" for stdout); implies --dry-run'),
  ).action(
    async (
      options: GitHubFlags & { pr?: number; lock: string; baseLock?: string; base: string; dryRun?: boolean; out?: string },
      command: Command,
    ) => {
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
    },
  );

  withGitHubFlags(
    pr
      .command('commit-lock')
      .description(`Commit the lock to a branch as the current lock (message "chore(lock): <lockId> from #<pr>"), refusing if the branch moved.`)
      .requiredOption('--branch <name>', 'the branch to commit to', branchName)
      .requiredOption('--lock <file>', 'the lock to commit')
      .option('--pr <number>', 'the merged pull request, named in the commit message', positiveInt)
      .option('--expected-head <sha>', "the commit the branch must still point at (the push that started the job); default: the lock's source commit", fullCommit)
      .option('--force', 'commit even if the branch moved'),
  ).action(
    async (options: GitHubFlags & { branch: string; lock: string; pr?: number; expectedHead?: string; force?: boolean }, command: Command) => {
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
    },
  );

  withGitHubFlags(
    pr
      .command('open-promotion')
      .description('Open (or update) the promotion pull request carrying the lock unchanged, labelled release or hotfix.')
      .option('--from <branch>', 'the branch promoted', branchName, 'staging')
      .option('--to <branch>', 'the branch promoted to', branchName, 'main')
      .requiredOption('--lock <file>', 'the lock the promotion carries (as committed on --from)')
      .option('--e2e-summary <file>', 'a markdown summary of the E2E run on --from, quoted in the body')
      .option('--run-url <url>', 'a link to the run that tested the lock', httpUrl)
      .option('--out <file>', 'render the pull request (title and body) to this file without GitHub, as the local demo does')
      .option('--target-lock <file>', 'with --out: the lock now on --to, for the diff'),
  ).action(
    async (
      options: GitHubFlags & { from: string; to: string; lock: string; e2eSummary?: string; runUrl?: string; out?: string; targetLock?: string },
      command: Command,
    ) => {
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
    },
  );
}

/** A lock file given on the command line, kept with its bytes for byte-for-byte comparisons. */
export async function readLocalLock(file: string) {
  const { readLock } = await import('../../lock/read.js');
  const lock = await readLock(file);
  return { state: 'valid' as const, label: file, lock, bytes: await readFile(file) };
}
