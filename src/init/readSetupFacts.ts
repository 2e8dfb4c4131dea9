import { LockstepError } from '../errors.js';
import type { GitHubClient } from '../github/client.js';
import { githubSettings, type AppFacts, type BranchProtectionFacts, type EnvironmentFacts, type SetupFacts } from './githubSetup.js';

/**
 * Asks GitHub for the facts `checkSetup` judges: the variables and secrets (names only, never values),
 * the two environments, the protection of staging and main, and the App's installation. A setting
 * that is absent is a fact (404); a refusal to tell is an error, except for the App, which needs an
 * organisation-level permission many repository admins lack.
 */
export async function readSetupFacts(client: GitHubClient, target: { owner: string; repo: string; appSlug: string }): Promise<SetupFacts> {
  const { owner, repo } = target;
  const names = (prefix: string) => githubSettings.filter((setting) => setting.id.startsWith(prefix)).map((setting) => setting.id.slice(prefix.length));

  const variables: Record<string, boolean> = {};
  for (const name of names('variable ')) {
    variables[name] = await found(client.request('GET /repos/{owner}/{repo}/actions/variables/{name}', { owner, repo, name }), `the variable ${name}`);
  }
  const secretNames = new Set<string>();
  for (let page = 1; ; page += 1) {
    const { data } = await guarded(client.request('GET /repos/{owner}/{repo}/actions/secrets', { owner, repo, per_page: 100, page }), 'the Actions secrets');
    for (const entry of data.secrets) secretNames.add(entry.name);
    if (data.secrets.length < 100) break;
  }
  const secrets = Object.fromEntries(names('secret ').map((name) => [name, secretNames.has(name)]));

  const environments: Record<string, EnvironmentFacts | null> = {};
  for (const name of names('environment ')) environments[name] = await environment(client, owner, repo, name);
  const protection: Record<string, BranchProtectionFacts | null> = {};
  for (const branch of names('branch protection ')) protection[branch] = await branchProtection(client, owner, repo, branch);

  return { owner, repo, appSlug: target.appSlug, variables, secrets, environments, protection, app: await installation(client, owner, target.appSlug) };
}

async function environment(client: GitHubClient, owner: string, repo: string, name: string): Promise<EnvironmentFacts | null> {
  const response = await absentAs404(client.request('GET /repos/{owner}/{repo}/environments/{environment_name}', { owner, repo, environment_name: name }), `the environment ${name}`);
  if (!response) return null;
  const env = response.data;
  const rules = env.protection_rules ?? [];
  const reviewersRule = rules.find((rule) => rule.type === 'required_reviewers') as { reviewers?: unknown[]; prevent_self_review?: boolean } | undefined;
  let branches: EnvironmentFacts['branches'] = 'any';
  const policy = env.deployment_branch_policy;
  if (policy?.protected_branches) branches = 'protected';
  else if (policy?.custom_branch_policies) {
    const { data } = await guarded(
      client.request('GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies', { owner, repo, environment_name: name, per_page: 100 }),
      `the deployment branches of ${name}`,
    );
    branches = data.branch_policies.filter((item) => (item as { type?: string }).type !== 'tag').map((item) => item.name ?? '');
  }
  return { branches, reviewers: reviewersRule?.reviewers?.length ?? 0, preventSelfReview: reviewersRule?.prevent_self_review ?? false };
}

async function branchProtection(client: GitHubClient, owner: string, repo: string, branch: string): Promise<BranchProtectionFacts | null> {
  const response = await absentAs404(client.request('GET /repos/{owner}/{repo}/branches/{branch}/protection', { owner, repo, branch }), `the protection of ${branch}`);
  if (!response) return null;
  const rules = response.data;
  const reviews = rules.required_pull_request_reviews;
  const checks = rules.required_status_checks;
  return {
    pullRequestRequired: reviews !== undefined,
    approvals: reviews?.required_approving_review_count ?? 0,
    dismissStaleReviews: reviews?.dismiss_stale_reviews ?? false,
    lastPushApproval: reviews?.require_last_push_approval ?? false,
    enforceAdmins: rules.enforce_admins?.enabled ?? false,
    allowForcePushes: rules.allow_force_pushes?.enabled ?? false,
    allowDeletions: rules.allow_deletions?.enabled ?? false,
    requiredChecks: [...new Set([...(checks?.contexts ?? []), ...(checks?.checks ?? []).map((check) => check.context)])],
  };
}

async function installation(client: GitHubClient, owner: string, slug: string): Promise<AppFacts | null | 'unknown'> {
  try {
    for (let page = 1; ; page += 1) {
      const { data } = await client.request('GET /orgs/{org}/installations', { org: owner, per_page: 100, page });
      const match = data.installations.find((entry) => entry.app_slug === slug);
      if (match) return { slug, permissions: { ...(match.permissions as Record<string, string>) }, repositorySelection: match.repository_selection };
      if (data.installations.length < 100) return null;
    }
  } catch (error) {
    // 404: a user account, not an organisation; 403: the token may not read the organisation's installations.
    if (status(error) === 403 || status(error) === 404) return 'unknown';
    throw wrap(error, `the App installations of ${owner}`);
  }
}

function status(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error ? Number((error as { status: unknown }).status) : undefined;
}

function wrap(error: unknown, what: string): LockstepError {
  const code = status(error);
  const hint = code === 401 ? 'the token is not valid' : code === 403 ? 'the token may not read it: use a token of a repository admin' : (error as Error).message;
  return new LockstepError('GITHUB', `GitHub refused to show ${what} (${code ?? 'no answer'}): ${hint}`, { cause: error });
}

async function guarded<T>(request: Promise<T>, what: string): Promise<T> {
  try {
    return await request;
  } catch (error) {
    throw wrap(error, what);
  }
}

async function absentAs404<T>(request: Promise<T>, what: string): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (status(error) === 404) return null;
    throw wrap(error, what);
  }
}

async function found(request: Promise<unknown>, what: string): Promise<boolean> {
  return (await absentAs404(request, what)) !== null;
}
