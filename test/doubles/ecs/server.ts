import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadEcsModel, shapeProblems, type EcsModel } from './model.js';

/**
 * A stateful Amazon ECS API double on loopback, for the ECS target's tests (no ECS can run here).
 *
 * It speaks awsJson1_1 as the SDK does (POST /, X-Amz-Target, application/x-amz-json-1.1), verifies
 * each request's SigV4 signature with the test's credentials and the `ecs` signing scope, and checks
 * every request body and every response it sends against the ECS API model (model.ts); a mismatch is
 * recorded in `violations` (and a bad request is refused as the API would).
 *
 * It keeps clusters, services, task definition revisions, container instances and tags, and plays the
 * rolling-update controller: an UpdateService to a new revision starts a PRIMARY deployment that
 * completes after `rolloutDelayMs`, or, when its image was marked broken, fails tasks until the
 * deployment circuit breaker sets rolloutState FAILED after `failAfterMs` (and, with rollback enabled,
 * starts a deployment of the last completed revision). Injected faults: ThrottlingException for the
 * next N requests, held rollouts, broken images, tag reads that lag behind writes (eventual consistency).
 *
 * Not modelled: tasks and their lifecycle (only counts), load balancers and health-check grace,
 * placement, capacity providers' scaling, service events, CODE_DEPLOY and EXTERNAL controllers,
 * task sets, pagination (every list fits one page), IAM authorisation, the enum values and length
 * limits the minified model leaves out (tag limits excepted, which the double enforces by hand).
 */

export interface EcsDoubleOptions {
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  rolloutDelayMs?: number;
  failAfterMs?: number;
}

export interface SeedService {
  cluster: string;
  name: string;
  /** The running revision: containers by name and image; a new family revision is registered for it. */
  family: string;
  containers: Array<{ name: string; image: string; cpu?: number; memory?: number }>;
  /** A whole RegisterTaskDefinition body to run instead of one built from `containers` (a real-world file). */
  definition?: Record<string, unknown>;
  desiredCount?: number;
  launchType?: 'FARGATE' | 'EC2';
  circuitBreaker?: { enable: boolean; rollback: boolean };
  minimumHealthyPercent?: number;
  taskTags?: Array<{ key: string; value: string }>;
}

interface Revision {
  arn: string;
  family: string;
  revision: number;
  body: Record<string, unknown>;
  tags: Tag[];
  status: 'ACTIVE' | 'INACTIVE';
  registeredAt: number;
  deregisteredAt?: number;
}

interface Tag {
  key: string;
  value: string;
}

interface DeploymentState {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
}

interface ServiceState {
  arn: string;
  name: string;
  cluster: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  launchType: 'FARGATE' | 'EC2';
  taskDefinition: string;
  lastCompleted: string;
  circuitBreaker: { enable: boolean; rollback: boolean };
  minimumHealthyPercent: number;
  deployments: DeploymentState[];
  createdAt: number;
  tags: Tag[];
}

interface ClusterState {
  arn: string;
  name: string;
  status: string;
  tags: Tag[];
  instances: Array<{ arn: string; cpu: number; memory: number; remainingCpu: number; remainingMemory: number }>;
}

export interface RecordedRequest {
  operation: string;
  body: Record<string, unknown>;
  throttled: boolean;
}

class EcsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const account = '123456789012';
const tagText = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export class EcsDouble {
  readonly violations: string[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly region: string;
  holdRollouts = false;
  /**
   * Eventual consistency of tag reads: ListTagsForResource answers with the tags as they were this long
   * ago (0: every write is seen at once).
   */
  tagReadLagMs = 0;
  rolloutDelayMs: number;
  failAfterMs: number;
  endpoint = '';
  private server: Server | undefined;
  private readonly model: EcsModel;
  private readonly clusters = new Map<string, ClusterState>();
  private readonly services = new Map<string, ServiceState>();
  private readonly revisions = new Map<string, Revision>();
  private readonly families = new Map<string, number>();
  private readonly broken = new Set<string>();
  private throttleLeft = 0;
  /** Every state of each resource's tags, by the time it began, for reads that lag behind writes. */
  private readonly tagHistory = new Map<string, Array<{ at: number; tags: Tag[] }>>();
  private throttleOperations: Set<string> | null = null;

  constructor(private readonly options: EcsDoubleOptions = {}) {
    this.model = loadEcsModel();
    this.region = options.region ?? 'eu-west-1';
    this.rolloutDelayMs = options.rolloutDelayMs ?? 200;
    this.failAfterMs = options.failAfterMs ?? 300;
  }

  get credentials(): { accessKeyId: string; secretAccessKey: string } {
    return { accessKeyId: this.options.accessKeyId ?? 'AKIDLOCKSTEPDOUBLE', secretAccessKey: this.options.secretAccessKey ?? 'double-secret-key' };
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  seedCluster(name: string, options: { status?: string; instances?: Array<{ cpu: number; memory: number; remainingCpu?: number; remainingMemory?: number }> } = {}): void {
    const arn = `arn:aws:ecs:${this.region}:${account}:cluster/${name}`;
    this.clusters.set(name, {
      arn,
      name,
      status: options.status ?? 'ACTIVE',
      tags: [],
      instances: (options.instances ?? []).map((instance, index) => ({
        arn: `arn:aws:ecs:${this.region}:${account}:container-instance/${name}/${index.toString(16).padStart(32, '0')}`,
        cpu: instance.cpu,
        memory: instance.memory,
        remainingCpu: instance.remainingCpu ?? instance.cpu,
        remainingMemory: instance.remainingMemory ?? instance.memory,
      })),
    });
  }

  seedService(seed: SeedService): void {
    const revision = this.register(seed.definition ? { ...seed.definition, family: seed.family } : {
      family: seed.family,
      networkMode: 'awsvpc',
      requiresCompatibilities: [seed.launchType ?? 'FARGATE'],
      cpu: '256',
      memory: '512',
      executionRoleArn: `arn:aws:iam::${account}:role/ecsTaskExecutionRole`,
      containerDefinitions: seed.containers.map((container) => ({
        name: container.name,
        image: container.image,
        essential: true,
        ...(container.cpu !== undefined ? { cpu: container.cpu } : {}),
        ...(container.memory !== undefined ? { memory: container.memory } : {}),
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        environment: [{ name: 'LOG_LEVEL', value: 'info' }],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': `/ecs/${seed.family}`, 'awslogs-region': this.region, 'awslogs-stream-prefix': 'ecs' } },
      })),
    });
    // Set as AWS would, so they may carry the reserved `aws:` prefix a register is refused for.
    revision.tags = (seed.taskTags ?? []).map((tag) => ({ ...tag }));
    const now = Date.now();
    const desired = seed.desiredCount ?? 2;
    this.services.set(`${seed.cluster}/${seed.name}`, {
      arn: `arn:aws:ecs:${this.region}:${account}:service/${seed.cluster}/${seed.name}`,
      name: seed.name,
      cluster: seed.cluster,
      status: 'ACTIVE',
      desiredCount: desired,
      launchType: seed.launchType ?? 'FARGATE',
      taskDefinition: revision.arn,
      lastCompleted: revision.arn,
      circuitBreaker: seed.circuitBreaker ?? { enable: true, rollback: false },
      minimumHealthyPercent: seed.minimumHealthyPercent ?? 100,
      deployments: [
        { id: deploymentId(), status: 'PRIMARY', taskDefinition: revision.arn, desiredCount: desired, runningCount: desired, failedTasks: 0, createdAt: now, updatedAt: now, rolloutState: 'COMPLETED', rolloutStateReason: 'ECS deployment completed.' },
      ],
      createdAt: now,
      tags: [],
    });
  }

  /** Tasks of any revision that runs this image fail to start. */
  markBroken(image: string): void {
    this.broken.add(image);
  }

  /** The next `count` requests (of these operations only, when given) are answered with ThrottlingException. */
  throttleNext(count: number, operations?: string[]): void {
    this.throttleLeft = count;
    this.throttleOperations = operations ? new Set(operations) : null;
  }

  service(cluster: string, name: string): ServiceState | undefined {
    this.advance();
    return this.services.get(`${cluster}/${name}`);
  }

  revision(arn: string): Revision | undefined {
    return this.revisions.get(arn);
  }

  activeRevisions(family: string): Revision[] {
    return [...this.revisions.values()].filter((revision) => revision.family === family && revision.status === 'ACTIVE');
  }

  /**
   * What a lockstep process needs to reach the double through the SDK's default chain: credentials,
   * region and endpoint from the standard variables, and no profile or shared file of the machine.
   */
  processEnv(dir: string): NodeJS.ProcessEnv {
    return {
      AWS_ACCESS_KEY_ID: this.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.credentials.secretAccessKey,
      AWS_REGION: this.region,
      AWS_ENDPOINT_URL_ECS: this.endpoint,
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: `${dir}/no-aws-config`,
      AWS_SHARED_CREDENTIALS_FILE: `${dir}/no-aws-credentials`,
    };
  }

  clusterTags(name: string): Tag[] {
    return [...(this.clusters.get(name)?.tags ?? [])];
  }

  /** Changes a service behind lockstep's back (as `aws ecs update-service` would), already rolled out. */
  setRunningImage(cluster: string, name: string, container: string, image: string): void {
    const service = this.services.get(`${cluster}/${name}`)!;
    const running = this.revisions.get(service.taskDefinition)!;
    const containers = (running.body.containerDefinitions as Array<Record<string, unknown>>).map((definition) => (definition.name === container ? { ...definition, image } : definition));
    const next = this.register({ ...running.body, containerDefinitions: containers });
    service.taskDefinition = next.arn;
    service.lastCompleted = next.arn;
    for (const deployment of service.deployments) deployment.taskDefinition = next.arn;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(`${this.model.metadata.targetPrefix}.`) ? target.slice(this.model.metadata.targetPrefix.length + 1) : '';
    let body: Record<string, unknown> = {};
    try {
      if (request.method !== 'POST' || request.url !== '/') throw new EcsFault('UnknownOperationException', `${request.method} ${request.url} is not an ECS endpoint`);
      if (request.headers['content-type'] !== `application/x-amz-json-${this.model.metadata.jsonVersion}`) throw new EcsFault('SerializationException', `content-type ${request.headers['content-type']}`);
      const spec = this.model.operations[operation];
      if (!spec) throw new EcsFault('UnknownOperationException', `unknown operation ${target}`);
      this.verifySignature(request, raw);
      body = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
      const problems = shapeProblems(this.model, spec.input, body);
      if (problems.length > 0) {
        this.violations.push(`${operation} request: ${problems.join('; ')}`);
        throw new EcsFault('SerializationException', problems[0]!);
      }
      const throttled = this.throttleLeft > 0 && (this.throttleOperations === null || this.throttleOperations.has(operation));
      this.requests.push({ operation, body, throttled });
      if (throttled) {
        this.throttleLeft -= 1;
        throw new EcsFault('ThrottlingException', 'Rate exceeded');
      }
      this.advance();
      const output = this.dispatch(operation, body);
      const outputProblems = shapeProblems(this.model, spec.output, output);
      if (outputProblems.length > 0) {
        this.violations.push(`${operation} response: ${outputProblems.join('; ')}`);
        throw new EcsFault('ServerException', 'the double built a response the model refuses');
      }
      this.send(response, 200, output);
    } catch (error) {
      if (error instanceof EcsFault) {
        this.send(response, error.type === 'ServerException' ? 500 : 400, { __type: error.type, message: error.message });
        return;
      }
      this.violations.push(`${operation}: ${(error as Error).stack ?? String(error)}`);
      this.send(response, 500, { __type: 'ServerException', message: (error as Error).message });
    }
  }

  private send(response: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomBytes(16).toString('hex') });
    response.end(text);
  }

  /** SigV4 as AWS checks it: credential scope for this region and `ecs`, then the signature itself. */
  private verifySignature(request: IncomingMessage, body: Buffer): void {
    const authorization = String(request.headers.authorization ?? '');
    const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
    if (!match) throw new EcsFault('MissingAuthenticationTokenException', 'Missing Authentication Token');
    const [, keyId, day, region, service, signedHeaders, signature] = match as unknown as string[];
    const { accessKeyId, secretAccessKey } = this.credentials;
    if (keyId !== accessKeyId) throw new EcsFault('UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (region !== this.region || service !== 'ecs') throw new EcsFault('InvalidSignatureException', `Credential should be scoped to ${this.region}/ecs, not ${region}/${service}`);
    const amzDate = String(request.headers['x-amz-date'] ?? '');
    const headers = signedHeaders!.split(';');
    const canonicalHeaders = headers.map((name) => `${name}:${String(request.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
    const canonical = ['POST', '/', '', canonicalHeaders, signedHeaders, createHash('sha256').update(body).digest('hex')].join('\n');
    const scope = `${day}/${region}/${service}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
    let key: Buffer = createHmac('sha256', `AWS4${secretAccessKey}`).update(day!).digest();
    for (const part of [region!, service!, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    if (createHmac('sha256', key).update(toSign).digest('hex') !== signature) {
      throw new EcsFault('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
    }
  }

  private dispatch(operation: string, body: Record<string, unknown>): Record<string, unknown> {
    switch (operation) {
      case 'DescribeClusters': {
        const names = (body.clusters as string[] | undefined) ?? ['default'];
        const found = names.map((name) => this.clusters.get(lastSegment(name)));
        return {
          clusters: found.filter((cluster) => cluster !== undefined).map((cluster) => this.clusterView(cluster!, (body.include as string[] | undefined)?.includes('TAGS') ?? false)),
          failures: names.filter((_name, index) => !found[index]).map((name) => ({ arn: name, reason: 'MISSING' })),
        };
      }
      case 'DescribeServices': {
        const cluster = this.clusterOf(body.cluster);
        const names = body.services as string[];
        if (names.length > 10) throw new EcsFault('InvalidParameterException', 'services can have at most 10 items.');
        const found = names.map((name) => this.services.get(`${cluster.name}/${lastSegment(name)}`));
        return {
          services: found.filter((service) => service !== undefined).map((service) => this.serviceView(service!)),
          failures: names.filter((_name, index) => !found[index]).map((name) => ({ arn: name, reason: 'MISSING' })),
        };
      }
      case 'DescribeTaskDefinition': {
        const revision = this.findRevision(body.taskDefinition as string, true);
        if (!revision) throw new EcsFault('ClientException', 'Unable to describe task definition.');
        const withTags = (body.include as string[] | undefined)?.includes('TAGS');
        return { taskDefinition: this.revisionView(revision), ...(withTags ? { tags: revision.tags } : {}) };
      }
      case 'RegisterTaskDefinition': {
        const revision = this.register(body);
        return { taskDefinition: this.revisionView(revision), ...(revision.tags.length > 0 ? { tags: revision.tags } : {}) };
      }
      case 'DeregisterTaskDefinition': {
        const name = body.taskDefinition as string;
        if (!/:\d+$/.test(name)) throw new EcsFault('ClientException', 'Revision is missing from the task definition.');
        const revision = this.findRevision(name, false);
        if (!revision) throw new EcsFault('ClientException', 'Unable to describe task definition.');
        revision.status = 'INACTIVE';
        revision.deregisteredAt = Date.now();
        return { taskDefinition: this.revisionView(revision) };
      }
      case 'ListTaskDefinitions': {
        const prefix = (body.familyPrefix as string | undefined) ?? '';
        const status = (body.status as string | undefined) ?? 'ACTIVE';
        const arns = [...this.revisions.values()]
          .filter((revision) => revision.family.startsWith(prefix) && revision.status === status)
          .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision)
          .map((revision) => revision.arn);
        return { taskDefinitionArns: arns };
      }
      case 'UpdateService':
        return { service: this.serviceView(this.updateService(body)) };
      case 'ListTagsForResource': {
        const current = this.taggable(body.resourceArn as string);
        if (this.tagReadLagMs === 0) return { tags: [...current] };
        const seenAt = Date.now() - this.tagReadLagMs;
        const history = this.tagHistory.get(body.resourceArn as string) ?? [];
        return { tags: [...(history.filter((state) => state.at <= seenAt).at(-1)?.tags ?? [])] };
      }
      case 'TagResource': {
        const tags = this.taggable(body.resourceArn as string);
        for (const tag of body.tags as Tag[]) {
          checkTag(tag);
          const existing = tags.find((item) => item.key === tag.key);
          if (existing) existing.value = tag.value;
          else tags.push({ key: tag.key, value: tag.value ?? '' });
        }
        if (tags.length > 50) {
          tags.splice(50 - tags.length);
          throw new EcsFault('InvalidParameterException', 'A resource can have at most 50 tags.');
        }
        this.remember(body.resourceArn as string, tags);
        return {};
      }
      case 'UntagResource': {
        const tags = this.taggable(body.resourceArn as string);
        const keys = new Set(body.tagKeys as string[]);
        const kept = tags.filter((tag) => !keys.has(tag.key));
        tags.splice(0, tags.length, ...kept);
        this.remember(body.resourceArn as string, tags);
        return {};
      }
      case 'ListContainerInstances': {
        const cluster = this.clusterOf(body.cluster);
        return { containerInstanceArns: cluster.instances.map((instance) => instance.arn) };
      }
      case 'DescribeContainerInstances': {
        const cluster = this.clusterOf(body.cluster);
        const wanted = new Set(body.containerInstances as string[]);
        return {
          containerInstances: cluster.instances
            .filter((instance) => wanted.has(instance.arn))
            .map((instance) => ({
              containerInstanceArn: instance.arn,
              status: 'ACTIVE',
              agentConnected: true,
              registeredResources: [resource('CPU', instance.cpu), resource('MEMORY', instance.memory)],
              remainingResources: [resource('CPU', instance.remainingCpu), resource('MEMORY', instance.remainingMemory)],
            })),
          failures: [],
        };
      }
      default:
        throw new EcsFault('UnsupportedOperationException', `the ECS double does not implement ${operation}`);
    }
  }

  private remember(arn: string, tags: Tag[]): void {
    this.tagHistory.set(arn, [...(this.tagHistory.get(arn) ?? []), { at: Date.now(), tags: tags.map((tag) => ({ ...tag })) }]);
  }

  private register(body: Record<string, unknown>): Revision {
    const family = body.family as string;
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) throw new EcsFault('ClientException', 'Family contains invalid characters.');
    const containers = body.containerDefinitions as Array<Record<string, unknown>>;
    if (containers.length === 0) throw new EcsFault('ClientException', 'Container list cannot be empty.');
    for (const container of containers) {
      if (!container.name) throw new EcsFault('ClientException', 'Container.name should not be null or empty.');
      if (!container.image) throw new EcsFault('ClientException', 'Container.image should not be null or empty.');
    }
    const tags = (body.tags as Tag[] | undefined) ?? [];
    for (const tag of tags) checkTag(tag);
    const number = (this.families.get(family) ?? 0) + 1;
    this.families.set(family, number);
    const { tags: _tags, ...definition } = body;
    const revision: Revision = {
      arn: `arn:aws:ecs:${this.region}:${account}:task-definition/${family}:${number}`,
      family,
      revision: number,
      body: structuredClone(definition),
      tags: tags.map((tag) => ({ key: tag.key, value: tag.value ?? '' })),
      status: 'ACTIVE',
      registeredAt: Date.now(),
    };
    this.revisions.set(revision.arn, revision);
    return revision;
  }

  private updateService(body: Record<string, unknown>): ServiceState {
    const cluster = this.clusterOf(body.cluster);
    const service = this.services.get(`${cluster.name}/${lastSegment(body.service as string)}`);
    if (!service || service.status !== 'ACTIVE') throw new EcsFault('ServiceNotFoundException', 'Service not found.');
    if (body.taskDefinition === undefined) return service;
    const revision = this.findRevision(body.taskDefinition as string, true);
    if (!revision) throw new EcsFault('ClientException', 'Unable to describe task definition.');
    if (revision.status !== 'ACTIVE') throw new EcsFault('InvalidParameterException', 'TaskDefinition is inactive');
    const primary = service.deployments.find((deployment) => deployment.status === 'PRIMARY');
    if (primary?.taskDefinition === revision.arn && body.forceNewDeployment !== true) return service;
    const now = Date.now();
    for (const deployment of service.deployments) deployment.status = 'ACTIVE';
    service.deployments.unshift(startDeployment(revision.arn, service.desiredCount, now, 'ECS deployment in progress.'));
    service.taskDefinition = revision.arn;
    return service;
  }

  /** The rolling-update controller, caught up to the current time on every request. */
  private advance(): void {
    const now = Date.now();
    for (const service of this.services.values()) {
      const primary = service.deployments.find((deployment) => deployment.status === 'PRIMARY');
      if (!primary || primary.rolloutState !== 'IN_PROGRESS' || this.holdRollouts) continue;
      const elapsed = now - primary.createdAt;
      if (this.isBroken(primary.taskDefinition)) {
        primary.failedTasks = Math.min(10, 1 + Math.floor(elapsed / 50));
        primary.updatedAt = now;
        if (elapsed < this.failAfterMs || !service.circuitBreaker.enable) continue;
        primary.rolloutState = 'FAILED';
        primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
        if (service.circuitBreaker.rollback) {
          primary.status = 'ACTIVE';
          service.deployments.unshift(startDeployment(service.lastCompleted, service.desiredCount, now, `ECS deployment circuit breaker: rolling back to deploymentId ${primary.id}.`));
          service.taskDefinition = service.lastCompleted;
        }
        continue;
      }
      if (elapsed < this.rolloutDelayMs) {
        primary.runningCount = Math.floor((service.desiredCount * elapsed) / this.rolloutDelayMs);
        continue;
      }
      primary.rolloutState = 'COMPLETED';
      primary.rolloutStateReason = 'ECS deployment completed.';
      primary.runningCount = service.desiredCount;
      primary.updatedAt = now;
      service.deployments = [primary];
      service.lastCompleted = primary.taskDefinition;
    }
  }

  private isBroken(taskDefinition: string): boolean {
    const containers = (this.revisions.get(taskDefinition)?.body.containerDefinitions as Array<{ image: string }> | undefined) ?? [];
    return containers.some((container) => this.broken.has(container.image));
  }

  private findRevision(name: string, latestOfFamily: boolean): Revision | undefined {
    const short = lastSegment(name);
    const at = short.lastIndexOf(':');
    if (at >= 0) return [...this.revisions.values()].find((revision) => revision.family === short.slice(0, at) && revision.revision === Number(short.slice(at + 1)));
    if (!latestOfFamily) return undefined;
    return this.activeRevisions(short).sort((a, b) => b.revision - a.revision)[0];
  }

  private clusterOf(name: unknown): ClusterState {
    const cluster = this.clusters.get(lastSegment((name as string | undefined) ?? 'default'));
    if (!cluster) throw new EcsFault('ClusterNotFoundException', 'Cluster not found.');
    return cluster;
  }

  private taggable(arn: string): Tag[] {
    for (const cluster of this.clusters.values()) if (cluster.arn === arn) return cluster.tags;
    for (const service of this.services.values()) if (service.arn === arn) return service.tags;
    const revision = this.revisions.get(arn);
    if (revision) return revision.tags;
    throw new EcsFault('InvalidParameterException', 'The specified resource could not be found.');
  }

  private clusterView(cluster: ClusterState, withTags: boolean): Record<string, unknown> {
    const services = [...this.services.values()].filter((service) => service.cluster === cluster.name && service.status === 'ACTIVE');
    return {
      clusterArn: cluster.arn,
      clusterName: cluster.name,
      status: cluster.status,
      registeredContainerInstancesCount: cluster.instances.length,
      runningTasksCount: services.reduce((sum, service) => sum + service.deployments.reduce((count, deployment) => count + deployment.runningCount, 0), 0),
      pendingTasksCount: 0,
      activeServicesCount: services.length,
      ...(withTags ? { tags: cluster.tags } : {}),
    };
  }

  private serviceView(service: ServiceState): Record<string, unknown> {
    const running = service.deployments.reduce((count, deployment) => count + deployment.runningCount, 0);
    return {
      serviceArn: service.arn,
      serviceName: service.name,
      clusterArn: this.clusters.get(service.cluster)!.arn,
      status: service.status,
      desiredCount: service.desiredCount,
      runningCount: Math.min(running, service.desiredCount),
      pendingCount: Math.max(0, service.desiredCount - running),
      launchType: service.launchType,
      taskDefinition: service.taskDefinition,
      deploymentConfiguration: { deploymentCircuitBreaker: service.circuitBreaker, maximumPercent: 200, minimumHealthyPercent: service.minimumHealthyPercent },
      deployments: service.deployments.map((deployment) => ({
        id: deployment.id,
        status: deployment.status,
        taskDefinition: deployment.taskDefinition,
        desiredCount: deployment.desiredCount,
        pendingCount: Math.max(0, deployment.desiredCount - deployment.runningCount),
        runningCount: deployment.runningCount,
        failedTasks: deployment.failedTasks,
        createdAt: deployment.createdAt / 1000,
        updatedAt: deployment.updatedAt / 1000,
        launchType: service.launchType,
        rolloutState: deployment.rolloutState,
        rolloutStateReason: deployment.rolloutStateReason,
      })),
      deploymentController: { type: 'ECS' },
      schedulingStrategy: 'REPLICA',
      createdAt: service.createdAt / 1000,
    };
  }

  private revisionView(revision: Revision): Record<string, unknown> {
    const body = revision.body;
    const fargate = body.networkMode === 'awsvpc';
    return {
      ...body,
      taskDefinitionArn: revision.arn,
      revision: revision.revision,
      status: revision.status,
      compatibilities: fargate ? ['EC2', 'FARGATE'] : ['EC2'],
      requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
      registeredAt: revision.registeredAt / 1000,
      registeredBy: `arn:aws:iam::${account}:role/deployer`,
      ...(revision.deregisteredAt ? { deregisteredAt: revision.deregisteredAt / 1000 } : {}),
    };
  }
}

export async function startEcsDouble(options: EcsDoubleOptions = {}): Promise<EcsDouble> {
  const double = new EcsDouble(options);
  await double.start();
  return double;
}

/** The documented tag limits: key 1-128, value 0-256, letters, digits, spaces and `_ . : / = + - @`, no `aws:` prefix. */
function checkTag(tag: Tag): void {
  const value = tag.value ?? '';
  if (!tag.key || tag.key.length > 128 || !tagText.test(tag.key) || value.length > 256 || !tagText.test(value) || tag.key.toLowerCase().startsWith('aws:')) {
    throw new EcsFault('InvalidParameterException', `The tag ${JSON.stringify(tag.key)} is not valid.`);
  }
}

function resource(name: string, value: number): Record<string, unknown> {
  return { name, type: 'INTEGER', integerValue: value };
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

function startDeployment(taskDefinition: string, desiredCount: number, now: number, reason: string): DeploymentState {
  return { id: deploymentId(), status: 'PRIMARY', taskDefinition, desiredCount, runningCount: 0, failedTasks: 0, createdAt: now, updatedAt: now, rolloutState: 'IN_PROGRESS', rolloutStateReason: reason };
}

function deploymentId(): string {
  return `ecs-svc/${BigInt(`0x${randomBytes(8).toString('hex')}`).toString().padStart(19, '0')}`;
}
