/**
 * Defaults that more than one command, pipeline or table entry needs, written once. Each flag's own
 * default is in the stage table (src/cli/table); defaults that belong to the config (the release
 * archive folder, the lock path) live in its schema and are read from there.
 */

/** Distinct approvals a production promotion needs. */
export const defaultRequiredApprovals = 4;

/** The config file every command reads unless -c names another. */
export const defaultConfigFile = 'lockstep.config.yaml';

/** The orchestrator ref a lock is generated from. */
export const defaultRef = 'HEAD';

/** The branches and environments of the promotion: dev -> staging -> main (production). */
export const stagingBranch = 'staging';
export const productionBranch = 'main';
export const stagingEnvironment = 'staging';
export const productionEnvironment = 'production';

/** Where runs write their reports; a stage's own reports go in a folder per environment below it. */
export const defaultReportDir = 'report';
export const stageReportDir = (reportDir: string, environment: string, stage: 'e2e' | 'smoke'): string => `${reportDir}/${environment}/${stage}`;

/** The public images lockstep's own containers start from; LOCKSTEP_NODE_IMAGE, _BASE_IMAGE and _REGISTRY_IMAGE replace them where no registry is reachable. */
export const defaultImages = { node: 'node:22-bookworm-slim', base: 'debian:bookworm-slim', registry: 'registry:2' } as const;

/** The variable holding the GitHub token. */
export const defaultTokenEnv = 'GITHUB_TOKEN';
