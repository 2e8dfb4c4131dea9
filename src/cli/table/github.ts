import { defaultRequiredApprovals, defaultTokenEnv, productionBranch, stagingBranch } from '../../defaults.js';
import { branchName, envVarName, fullCommit, httpUrl, positiveInt } from '../parse.js';
import type { CommandSpec } from './spec.js';

/** The flags every command talking to GitHub takes: where the token is, which API. */
export const gitHubFlags = {
  tokenEnv: { flags: '--token-env <name>', help: 'the environment variable holding the GitHub token', parse: envVarName, default: defaultTokenEnv },
  apiUrl: { flags: '--api-url <url>', help: 'the GitHub REST API root (GitHub Enterprise); default GITHUB_API_URL, else api.github.com' },
} as const;

/** `lockstep pr ...` and `lockstep gate approvals`: the lock comment, the lock commit, the promotion pull request and its gate. */
export const prComment = {
  group: 'pr',
  name: 'comment',
  description: 'Post the lock and its diff against the target branch as one sticky comment on the pull request.',
  flags: {
    pr: { flags: '--pr <number>', help: 'the pull request (required unless --dry-run or --out)', parse: positiveInt, dagger: 'pullRequest' },
    lock: { flags: '--lock <file>', help: 'the lock generated for the pull request', required: true, dagger: 'lockFile' },
    baseLock: { flags: '--base-lock <file>', help: 'diff against this lock instead of the one on the target branch' },
    base: { flags: '--base <branch>', help: 'the target branch named in a --dry-run rendering', parse: branchName, default: stagingBranch },
    dryRun: { flags: '--dry-run', help: 'render the comment without GitHub (to stdout, or to --out)' },
    out: { flags: '--out <file>', help: 'write the rendered comment to this file ("-" for stdout); implies --dry-run' },
    ...gitHubFlags,
  },
} as const satisfies CommandSpec;

export const prCommitLock = {
  group: 'pr',
  name: 'commit-lock',
  description: `Commit the lock to a branch as the current lock (message "chore(lock): <lockId> from #<pr>"), refusing if the branch moved.`,
  flags: {
    branch: { flags: '--branch <name>', help: 'the branch to commit to', parse: branchName, required: true },
    lock: { flags: '--lock <file>', help: 'the lock to commit', required: true, dagger: 'lockFile' },
    pr: { flags: '--pr <number>', help: 'the merged pull request, named in the commit message', parse: positiveInt, dagger: 'pullRequest' },
    expectedHead: { flags: '--expected-head <sha>', help: "the commit the branch must still point at (the push that started the job); default: the lock's source commit", parse: fullCommit },
    force: { flags: '--force', help: 'commit even if the branch moved' },
    ...gitHubFlags,
  },
} as const satisfies CommandSpec;

export const prOpenPromotion = {
  group: 'pr',
  name: 'open-promotion',
  description: 'Open (or update) the promotion pull request carrying the lock unchanged, labelled release or hotfix.',
  flags: {
    from: { flags: '--from <branch>', help: 'the branch promoted', parse: branchName, default: stagingBranch },
    to: { flags: '--to <branch>', help: 'the branch promoted to', parse: branchName, default: productionBranch },
    lock: { flags: '--lock <file>', help: 'the lock the promotion carries (as committed on --from)', required: true, dagger: 'lockFile' },
    e2eSummary: { flags: '--e2e-summary <file>', help: 'a markdown summary of the E2E run on --from, quoted in the body', dagger: 'endToEndSummary' },
    runUrl: { flags: '--run-url <url>', help: 'a link to the run that tested the lock', parse: httpUrl },
    out: { flags: '--out <file>', help: 'render the pull request (title and body) to this file without GitHub, as the local demo does' },
    targetLock: { flags: '--target-lock <file>', help: 'with --out: the lock now on --to, for the diff' },
    ...gitHubFlags,
  },
} as const satisfies CommandSpec;

export const gateApprovals = {
  group: 'gate',
  name: 'approvals',
  description: 'Pass only with N distinct current approvals (not the author; latest review approving the head commit) and the promoted lock unchanged.',
  flags: {
    pr: { flags: '--pr <number>', help: 'the promotion pull request', parse: positiveInt, required: true, dagger: 'pullRequest' },
    required: { flags: '--required <count>', help: 'distinct approvals required', parse: positiveInt, default: defaultRequiredApprovals },
    lock: { flags: '--lock <file>', help: 'the lock on the target branch (e.g. locks/current.lock.yaml of a main checkout): must be byte-identical', dagger: 'lockFile' },
    commit: { flags: '--commit <sha>', help: 'the commit being deployed: the pull request must be merged as exactly this commit (default: GITHUB_SHA when set)' },
    productionBranch: { flags: '--production-branch <branch>', help: 'the branch the pull request must be merged into', default: productionBranch },
    ...gitHubFlags,
  },
} as const satisfies CommandSpec;
