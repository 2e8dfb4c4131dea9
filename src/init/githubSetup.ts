/**
 * What an orchestrator repository needs on GitHub for the workflows `lockstep init` writes, as one
 * table: each setting says what to do (the checklist `init` prints), where (a link), and how to tell
 * from the facts GitHub reports whether it is done (`init --check`). Pure: `readSetupFacts` gathers the
 * facts through the API.
 */

export interface EnvironmentFacts {
  /** `any`: every branch may deploy; `protected`: protected branches; else the branch name patterns. */
  branches: 'any' | 'protected' | string[];
  reviewers: number;
  preventSelfReview: boolean;
}

export interface BranchProtectionFacts {
  pullRequestRequired: boolean;
  approvals: number;
  dismissStaleReviews: boolean;
  lastPushApproval: boolean;
  enforceAdmins: boolean;
  allowForcePushes: boolean;
  allowDeletions: boolean;
  requiredChecks: string[];
}

export interface AppFacts {
  slug: string;
  permissions: Record<string, string>;
  /** `all` repositories of the owner, or `selected` ones. */
  repositorySelection: string;
}

export interface SetupFacts {
  owner: string;
  repo: string;
  appSlug: string;
  variables: Record<string, boolean>;
  secrets: Record<string, boolean>;
  environments: Record<string, EnvironmentFacts | null>;
  protection: Record<string, BranchProtectionFacts | null>;
  /** null: not installed; `unknown`: the token may not list the owner's installations. */
  app: AppFacts | null | 'unknown';
}

export interface Finding {
  setting: string;
  problem: string;
  fix: string;
  link: string;
}

export interface Setting {
  id: string;
  /** The checklist line: what to set up. */
  ask: string;
  link: (owner: string, repo: string) => string;
  /** The problems with this setting, each with its fix; none when it is done. */
  check: (facts: SetupFacts) => Array<{ problem: string; fix: string }>;
}

export const appPermissions: Record<string, 'read' | 'write'> = { contents: 'write', pull_requests: 'write', issues: 'write', metadata: 'read' };
export const requiredApprovals = 4;
/** The job name of pr-check.yml: the status check the staging branch requires. */
export const prCheckContext = 'check';

const settingsUrl = (owner: string, repo: string, path: string) => `https://github.com/${owner}/${repo}/settings/${path}`;
const rank: Record<string, number> = { none: 0, read: 1, write: 2, admin: 3 };

/** An Actions variable or secret of the repository (its name only: values are never read). */
function named(kind: 'variable' | 'secret', name: string, what: string): Setting {
  return {
    id: `${kind} ${name}`,
    ask: `Actions ${kind} ${name}: ${what}`,
    link: (owner, repo) => settingsUrl(owner, repo, `${kind}s/actions`),
    check: (facts) => (facts[`${kind}s`][name] ? [] : [{ problem: `the repository ${kind} ${name} is not set`, fix: `add the ${kind} ${name} (${what})` }]),
  };
}

function environment(name: string, branch: string, reviewers: boolean): Setting {
  return {
    id: `environment ${name}`,
    ask: `Environment ${name}: deployment branches "${branch}" only${reviewers ? ', required reviewers (at least one; prevent self-review): they release production deploys and manual production rollbacks' : ''}`,
    link: (owner, repo) => settingsUrl(owner, repo, 'environments'),
    check: (facts) => {
      const env = facts.environments[name];
      if (env === undefined || env === null) return [{ problem: `there is no ${name} environment`, fix: `create the environment ${name} with deployment branch "${branch}" only${reviewers ? ' and required reviewers' : ''}` }];
      const problems: Array<{ problem: string; fix: string }> = [];
      if (!(Array.isArray(env.branches) && env.branches.length === 1 && env.branches[0] === branch)) {
        const now = env.branches === 'any' ? 'any branch' : env.branches === 'protected' ? 'every protected branch' : `branches ${env.branches.join(', ') || '(none)'}`;
        problems.push({ problem: `${name} admits ${now}`, fix: `set its deployment branches to "Selected branches" with the single rule "${branch}"` });
      }
      if (reviewers && env.reviewers === 0) problems.push({ problem: `${name} has no required reviewers: any writer can run a production rollback`, fix: `add required reviewers to ${name}` });
      if (reviewers && env.reviewers > 0 && !env.preventSelfReview) problems.push({ problem: `${name} lets the person who started a run approve it`, fix: `tick "Prevent self-review" on ${name}` });
      return problems;
    },
  };
}

function protection(branch: string, wants: { approvals: number; check?: string }): Setting {
  return {
    id: `branch protection ${branch}`,
    ask: `Branch protection on ${branch}: pull requests only, ${wants.approvals} approving review${wants.approvals === 1 ? '' : 's'}, stale approvals dismissed, approval of the last push${wants.check ? `, the status check "${wants.check}" required` : ''}, no force pushes or deletions, admins included`,
    link: (owner, repo) => settingsUrl(owner, repo, 'branches'),
    check: (facts) => {
      const rules = facts.protection[branch];
      if (rules === undefined || rules === null) return [{ problem: `${branch} is not protected`, fix: `add a branch protection rule for ${branch} (${wants.approvals} approvals${wants.check ? `, required check "${wants.check}"` : ''})` }];
      const problems: Array<{ problem: string; fix: string }> = [];
      if (!rules.pullRequestRequired) problems.push({ problem: `${branch} can be pushed to without a pull request`, fix: 'tick "Require a pull request before merging"' });
      else if (rules.approvals < wants.approvals) problems.push({ problem: `${branch} requires ${rules.approvals} approval(s), not ${wants.approvals}`, fix: `set "Required approvals" to ${wants.approvals}` });
      if (rules.pullRequestRequired && !rules.dismissStaleReviews) problems.push({ problem: `approvals on ${branch} survive new commits`, fix: 'tick "Dismiss stale pull request approvals when new commits are pushed"' });
      if (rules.pullRequestRequired && !rules.lastPushApproval) problems.push({ problem: `the last push to a pull request into ${branch} needs no fresh approval`, fix: 'tick "Require approval of the most recent reviewable push"' });
      if (wants.check && !rules.requiredChecks.includes(wants.check)) problems.push({ problem: `${branch} does not require the "${wants.check}" check`, fix: `require the status check "${wants.check}" (the pr-check job)` });
      if (!rules.enforceAdmins) problems.push({ problem: `administrators bypass the rules on ${branch}`, fix: 'tick "Do not allow bypassing the above settings"' });
      if (rules.allowForcePushes) problems.push({ problem: `${branch} accepts force pushes`, fix: 'untick "Allow force pushes"' });
      if (rules.allowDeletions) problems.push({ problem: `${branch} can be deleted`, fix: 'untick "Allow deletions"' });
      return problems;
    },
  };
}

const app: Setting = {
  id: 'GitHub App',
  ask: `A GitHub App for lockstep with repository permissions ${Object.entries(appPermissions)
    .map(([scope, level]) => `${scope.replace('_', ' ')}: ${level}`)
    .join(', ')}, installed on the repository (its commits and pull requests start workflows, unlike GITHUB_TOKEN's)`,
  link: (owner) => `https://github.com/organizations/${owner}/settings/apps/new`,
  check: (facts) => {
    if (facts.app === 'unknown') return [{ problem: `the token may not list ${facts.owner}'s App installations, so the App's permissions are unchecked`, fix: 'run --check with a token of an organisation owner (read:org), or check the App by hand' }];
    if (facts.app === null) return [{ problem: `no App "${facts.appSlug}" is installed for ${facts.owner}`, fix: `install the App on ${facts.owner}/${facts.repo} (or name it with --app-slug)` }];
    const granted = facts.app.permissions;
    return Object.entries(appPermissions)
      .filter(([scope, level]) => (rank[granted[scope] ?? 'none'] ?? 0) < rank[level]!)
      .map(([scope, level]) => ({ problem: `the App "${facts.app === null || facts.app === 'unknown' ? '' : facts.app.slug}" has ${scope}: ${granted[scope] ?? 'none'}`, fix: `grant it ${scope}: ${level} and accept the new permissions on the installation` }));
  },
};

/** Every setting, in the order a person makes them. */
export const githubSettings: Setting[] = [
  app,
  named('variable', 'LOCKSTEP_APP_CLIENT_ID', "the App's client ID"),
  named('secret', 'LOCKSTEP_APP_PRIVATE_KEY', 'a private key of the App (.pem)'),
  named('variable', 'LOCKSTEP_REGISTRY_USERNAME', 'the user the workflows log in to your image registry as'),
  named('secret', 'LOCKSTEP_REGISTRY_PASSWORD', 'its password or token (read access is enough)'),
  environment('staging', 'staging', false),
  environment('production', 'main', true),
  protection('staging', { approvals: 1, check: prCheckContext }),
  protection('main', { approvals: requiredApprovals }),
];

export function checkSetup(facts: SetupFacts, settings: Setting[] = githubSettings): Finding[] {
  return settings.flatMap((setting) => setting.check(facts).map((found) => ({ setting: setting.id, ...found, link: setting.link(facts.owner, facts.repo) })));
}

export function renderChecklist(owner: string, repo: string, settings: Setting[] = githubSettings): string {
  const lines = settings.map((setting, index) => `${index + 1}. ${setting.ask}\n   ${setting.link(owner, repo)}`);
  return [
    `Set up on GitHub (${owner}/${repo}):`,
    ...lines,
    `Environment secrets where a target needs them: LOCKSTEP_KUBECONFIG on staging and production for kubernetes targets, LOCKSTEP_ARGOCD_TOKEN for Argo CD (${settingsUrl(owner, repo, 'environments')}).`,
    'ecs targets: the variables LOCKSTEP_AWS_ROLE_ARN and LOCKSTEP_AWS_REGION (a role trusting GitHub OIDC for this repository); no AWS key is stored.',
    `Then: lockstep init --check --repository ${owner}/${repo} (with GITHUB_TOKEN of a repository admin).`,
  ].join('\n');
}

export function renderFindings(findings: Finding[], owner: string, repo: string): string {
  if (findings.length === 0) return `✔ ${owner}/${repo} is set up for lockstep (${githubSettings.length} settings checked)`;
  const lines = findings.map((finding) => `✘ ${finding.setting}: ${finding.problem}\n  fix: ${finding.fix}\n  ${finding.link}`);
  return `${lines.join('\n')}\n${findings.length} finding(s) in ${owner}/${repo}`;
}
