import { z } from 'zod';
import { credentialInUrl } from '../git/urlCredentials.js';
import { ociDigest, imageRepository, serviceName } from '../lock/schema.js';
import { confinedPath as relativePath, httpUrl, processEnvName } from './fields.js';

// Owned by the environment stages (health, deploy, status, e2e, smoke, release, rollback).

const dnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label');
const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name');
const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);

/** `repo@sha256:...`: the only way an image outside the lock may be named in an environment. */
export const pinnedImage = z
  .string()
  .max(400)
  .refine((value) => {
    const at = value.indexOf('@');
    return at > 0 && imageRepository.safeParse(value.slice(0, at)).success && ociDigest.safeParse(value.slice(at + 1)).success;
  }, 'must be an image pinned by digest: <repository>@sha256:<64 hex>');

export const composeTarget = z
  .strictObject({
    type: z.literal('compose'),
    project: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a compose project name: lower-case letters, digits, "-" and "_"')
      .describe('The compose project name; two environments on one docker host need two names.'),
    composeFiles: z
      .array(relativePath)
      .min(1)
      .optional()
      .describe('Compose files, relative to the config file; defaults to stack.composeFile. Later files override earlier ones.'),
    dockerHost: z
      .string()
      .regex(/^(unix|tcp|ssh):\/\/\S+$/, 'must be unix://, tcp:// or ssh:// followed by an address')
      .optional()
      .describe('The docker daemon; defaults to DOCKER_HOST, else the local socket.'),
    env: z
      .record(processEnvName, z.string().max(4096))
      .default({})
      .describe('Variables for compose interpolation (published ports, replica counts); never secrets, they are written to the config.'),
    healthTimeoutMs: ms(1_000, 3_600_000, 120_000).describe('How long a rollout may take to report every service healthy.'),
    settleMs: ms(0, 120_000, 1_000).describe('A service without a healthcheck must stay running this long to count as healthy.'),
  })
  .describe('A docker host running the system with docker compose.');

export const kubernetesTarget = z
  .strictObject({
    type: z.literal('kubernetes'),
    kubeconfig: z.string().min(1).optional().describe('The kubeconfig file; defaults to KUBECONFIG, else ~/.kube/config.'),
    context: z.string().min(1).optional().describe('The kubeconfig context; defaults to the current one.'),
    namespace: dnsLabel.describe('The namespace the services run in.'),
    services: z
      .record(
        serviceName,
        z.strictObject({
          deployment: z.string().regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, 'must be a Kubernetes object name'),
          container: dnsLabel.optional().describe('The container to set; defaults to the service name.'),
        }),
      )
      .default({})
      .describe('Which deployment and container runs each service; a service not named runs as the deployment of its own name.'),
    rolloutTimeoutMs: ms(1_000, 3_600_000, 300_000).describe('How long the rollout of every deployment may take.'),
  })
  .describe('A Kubernetes namespace, one deployment per service.');

const yamlKeyPath = z
  .string()
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be a dotted key path such as catalog.image.digest');

export const helmValuesTarget = z
  .strictObject({
    type: z.literal('helm-values'),
    repository: z
      .string()
      .min(1)
      .refine((value) => credentialInUrl(value) === null, 'must not carry credentials (they would reach git config, argv and logs); name the token with tokenEnv')
      .describe('The GitOps config repository: a local path or a git URL without credentials.'),
    branch: z.string().min(1).default('main').describe('The branch the values file is committed to.'),
    valuesFile: z
      .string()
      .min(1)
      .default('values-{env}.yaml')
      .describe('The values file inside the config repository; {env} is the environment name.'),
    keys: z
      .record(
        serviceName,
        z.strictObject({
          repository: yamlKeyPath.optional().describe('Where the image repository goes, if the chart reads it.'),
          digest: yamlKeyPath.describe('Where the sha256 digest goes.'),
          tag: yamlKeyPath.optional().describe('Where the tag goes, for people; charts must deploy the digest.'),
        }),
      )
      .default({})
      .describe('Key paths in the values file, by service; a service not named uses <service>.image.repository, .tag and .digest.'),
    mode: z
      .enum(['pull-request', 'direct'])
      .default('pull-request')
      .describe('pull-request: commit on lockstep/<env>/<lock id> for a PR; direct: commit onto branch and wait for the cluster to run it.'),
    lockFile: z
      .string()
      .min(1)
      .default('lockstep/{env}.lock.yaml')
      .describe('Where the deployed lock is recorded in the config repository, next to the values; {env} is the environment name.'),
    tokenEnv: envVarName.optional().describe('An environment variable holding an HTTPS token for the config repository (never written anywhere); pull-request mode opens the pull request with it too (default GITHUB_TOKEN).'),
    githubRepository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name')
      .optional()
      .describe('pull-request mode: the config repository on GitHub, where the pull request is opened; defaults to the one a github.com repository URL names.'),
    cluster: kubernetesTarget
      .omit({ type: true })
      .optional()
      .describe('The cluster the config repository deploys to: health checks, live state and the lease are read there.'),
    syncTimeoutMs: ms(1_000, 3_600_000, 600_000).describe('direct mode with a cluster: how long the GitOps controller may take to run the commit.'),
    argocd: z
      .strictObject({
        server: httpUrl.describe('The Argo CD API server (https://argocd.example.com).'),
        application: z
          .string()
          .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, 'must be an Argo CD application name')
          .describe('The application that deploys this environment from the config repository.'),
        appNamespace: dnsLabel.optional().describe('The namespace of the Application, when Argo CD serves applications in any namespace.'),
        tokenEnv: envVarName.default('ARGOCD_AUTH_TOKEN').describe('An environment variable holding an Argo CD API token (an account with get and sync on the application).'),
        timeoutMs: ms(1_000, 3_600_000, 600_000).describe('How long the application may take to report the commit Synced and Healthy.'),
        requestTimeoutMs: ms(100, 120_000, 15_000).describe('Timeout of one request to the API server.'),
      })
      .optional()
      .describe(
        'Argo CD: after the commit (direct) or the merge (pull-request mode), wait until the application reports it Synced and Healthy; start the sync when the application has no automated sync.',
      ),
  })
  .describe('A GitOps config repository whose helm values pin each service by digest.');

const ecsName = z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be 1-255 letters, digits, "-" and "_"');

export const ecsTarget = z
  .strictObject({
    type: z.literal('ecs'),
    cluster: z
      .string()
      .regex(/^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/)?[A-Za-z0-9_-]{1,255}$/, 'must be an ECS cluster name or cluster ARN')
      .describe('The ECS cluster the services run in, by name or ARN.'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region such as eu-west-1')
      .optional()
      .describe('The AWS region; defaults to AWS_REGION, else the profile\'s region.'),
    profile: z
      .string()
      .regex(/^[A-Za-z0-9_.@+=,-]{1,128}$/, 'must be a profile name from the AWS config files')
      .optional()
      .describe('A named profile of the AWS config files; defaults to AWS_PROFILE. Credentials otherwise come from the standard AWS chain.'),
    services: z
      .record(
        serviceName,
        z.strictObject({
          service: ecsName.optional().describe('The ECS service; defaults to the service name.'),
          container: ecsName.optional().describe('The container of its task definition to set; defaults to the service name.'),
        }),
      )
      .default({})
      .describe('Which ECS service and container runs each service; several services may be containers of one ECS service.'),
    recordFamily: ecsName
      .optional()
      .describe('The task definition family whose revisions record the deployed lock; defaults to lockstep-<env>-lock.'),
    rolloutTimeoutMs: ms(1_000, 7_200_000, 1_200_000).describe('How long the deployment of every ECS service may take to complete.'),
  })
  .describe('Amazon ECS services in one cluster, each container pinned through a new task definition revision.');

export const deployTargetConfig = z.discriminatedUnion('type', [composeTarget, kubernetesTarget, helmValuesTarget, ecsTarget]);

const dependencyBase = {
  name: z.string().min(1).max(100).describe('Shown in the health table.'),
  timeoutMs: z.number().int().min(50).max(120_000).optional().describe('Defaults to health.timeoutMs.'),
};

export const dependencyCheck = z.discriminatedUnion('type', [
  z.strictObject({
    ...dependencyBase,
    type: z.literal('http'),
    url: httpUrl,
    expectStatus: z.number().int().min(100).max(599).default(200),
  }),
  z.strictObject({
    ...dependencyBase,
    type: z.literal('tcp'),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65_535),
  }),
]);

export const healthConfig = z
  .strictObject({
    timeoutMs: ms(50, 120_000, 5_000).describe('Timeout of each check unless the check sets its own.'),
    disk: z
      .strictObject({ minFreeMb: z.number().int().min(0).describe('Free space on the docker data root, in MiB.') })
      .optional()
      .describe('compose only.'),
    memory: z
      .strictObject({ minAvailableMb: z.number().int().min(0).describe('Available memory on the docker host, in MiB.') })
      .optional()
      .describe('compose only.'),
    nodes: z.strictObject({ minReady: z.number().int().min(1) }).optional().describe('kubernetes only.'),
    quota: z
      .strictObject({ minHeadroomPercent: z.number().min(0).max(100).describe('Unused share of every resource quota in the namespace.') })
      .optional()
      .describe('kubernetes only.'),
    dependencies: z.array(dependencyCheck).default([]).describe('Endpoints the system needs (databases, brokers, third-party APIs).'),
  })
  .describe('The gate every deploy passes first; `lockstep health` runs it alone.');

export const migrationConfig = z
  .strictObject({
    service: serviceName.optional().describe('Run the migration in the image this service has in the lock being deployed.'),
    image: pinnedImage.optional().describe('Or any image, pinned by digest.'),
    command: z.array(z.string().max(4096)).min(1).describe('The command and its arguments (no shell).'),
    env: z.record(envVarName, z.string().max(4096)).default({}).describe('Literal variables; never secrets.'),
    passEnv: z.array(envVarName).default([]).describe('Variables passed through by name from the environment lockstep runs in (secrets).'),
    dependsOn: z
      .array(serviceName)
      .default([])
      .describe('Services outside the lock started (as the compose files define them) before the migration, e.g. a database. Locked services are never started early.'),
    timeoutMs: ms(1_000, 3_600_000, 600_000),
  })
  .refine((value) => (value.service === undefined) !== (value.image === undefined), 'needs exactly one of service and image')
  .describe('A one-off command run before the rollout; if it fails nothing is rolled out.');

export const smokeProbe = z
  .strictObject({
    name: z.string().min(1).max(100),
    url: httpUrl,
    expectStatus: z.number().int().min(100).max(599).default(200),
    bodyMatch: z
      .string()
      .min(1)
      .max(1000)
      .refine((value) => {
        try {
          new RegExp(value);
          return true;
        } catch {
          return false;
        }
      }, 'must be a valid regular expression')
      .optional()
      .describe('A regular expression the response body must match.'),
    latencyBudgetMs: z.number().int().min(1).max(120_000).optional().describe('The slowest acceptable response.'),
    retries: z.number().int().min(0).max(20).default(3),
    retryDelayMs: ms(0, 60_000, 1_000),
    timeoutMs: ms(50, 120_000, 5_000),
  })
  .describe('One HTTP request and what its answer must look like.');

export const smokeConfig = z
  .strictObject({
    probes: z
      .array(smokeProbe)
      .min(1)
      .refine((probes) => new Set(probes.map((probe) => probe.name)).size === probes.length, 'probe names must be unique'),
  })
  .describe('Probes run after a deploy to production (`lockstep smoke`).');

export const e2eConfig = z
  .strictObject({
    suites: z
      .array(serviceName)
      .min(1)
      .optional()
      .describe('Names of stack.suites to run; all of them by default.'),
    endpoints: z
      .record(serviceName, httpUrl)
      .optional()
      .describe(
        'Kubernetes, helm-values and ecs environments: where the suites reach each service (gateway: https://shop.staging.example.com), given to them as the stack stage gives its addresses: GATEWAY_URL, GATEWAY_HOST, GATEWAY_PORT. A compose environment needs none: its suites run on its network.',
      ),
    network: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be a Docker network name')
      .optional()
      .describe('With endpoints: the Docker network the suite containers join (default bridge; host reaches a cluster published on localhost).'),
  })
  .describe('The stack suites run against this environment (`lockstep e2e`): on its network for compose, against its endpoints otherwise.');

export const leaseConfig = z
  .strictObject({
    ttlMs: ms(10_000, 86_400_000, 900_000).describe('After this long a lease counts as stale and the next deploy takes it over.'),
  })
  .describe('The lock that keeps two deploys off one environment.');

export const environmentConfig = z
  .strictObject({
    protected: z.boolean().default(false).describe('Refuse anything not pinned by digest (staging, production).'),
    target: deployTargetConfig,
    health: healthConfig.prefault({}),
    migration: migrationConfig.optional(),
    e2e: e2eConfig.optional(),
    smoke: smokeConfig.optional(),
    lease: leaseConfig.prefault({}),
  })
  .superRefine((env, context) => {
    const kind = env.target.type;
    const only = (field: 'disk' | 'memory' | 'nodes' | 'quota', type: string) => {
      if (env.health[field] !== undefined && kind !== type) {
        context.addIssue({ code: 'custom', path: ['health', field], message: `applies to ${type} targets only` });
      }
    };
    only('disk', 'compose');
    only('memory', 'compose');
    if (kind === 'compose' && env.e2e?.endpoints !== undefined) {
      context.addIssue({ code: 'custom', path: ['e2e', 'endpoints'], message: "a compose environment's suites run on its network, with its own addresses" });
    }
    if (env.e2e?.network !== undefined && env.e2e.endpoints === undefined) {
      context.addIssue({ code: 'custom', path: ['e2e', 'network'], message: 'applies with e2e.endpoints only' });
    }
    const cluster = kind === 'kubernetes' || (env.target.type === 'helm-values' && env.target.cluster !== undefined) ? kind : 'kubernetes';
    only('nodes', cluster);
    only('quota', cluster);
  })
  .describe('One environment: where it runs, what must hold before a deploy, what runs after.');

export const environmentsConfig = z
  .record(z.string(), environmentConfig)
  .superRefine((environments, context) => {
    // Checked here rather than by the record's key schema, whose failure zod reports only as "Invalid key".
    for (const name of Object.keys(environments)) {
      if (!dnsLabel.safeParse(name).success) {
        context.addIssue({ code: 'custom', path: [name], message: 'an environment name must be a DNS label (lower-case letters, digits, "-")' });
      }
    }
  })
  .default({})
  .describe('Deploy targets and their checks, by environment name.');

export type EnvironmentsConfig = z.output<typeof environmentsConfig>;
export type EnvironmentConfig = z.output<typeof environmentConfig>;
export type ComposeTargetConfig = z.output<typeof composeTarget>;
export type KubernetesTargetConfig = z.output<typeof kubernetesTarget>;
export type HelmValuesTargetConfig = z.output<typeof helmValuesTarget>;
export type EcsTargetConfig = z.output<typeof ecsTarget>;
export type DependencyCheckConfig = z.output<typeof dependencyCheck>;
export type HealthConfig = z.output<typeof healthConfig>;
export type MigrationConfig = z.output<typeof migrationConfig>;
export type SmokeProbeConfig = z.output<typeof smokeProbe>;
export type SmokeConfig = z.output<typeof smokeConfig>;
