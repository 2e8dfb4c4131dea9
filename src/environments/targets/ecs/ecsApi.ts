import {
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListContainerInstancesCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type Cluster,
  type ContainerInstance,
  type ECSClientConfig,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { LockstepError } from '../../../errors.js';
import type { TaskDefinitionWithTags } from './records.js';

/**
 * The ECS calls the target makes, each one method, with AWS errors turned into LockstepErrors that say
 * which call failed and why. Credentials and region come from the SDK's default chain (environment,
 * shared config and credentials files, web identity for GitHub's OIDC, container and instance roles);
 * throttled calls are retried by the SDK's standard retry strategy.
 */
export class EcsApi {
  readonly cluster: string;
  private readonly client: ECSClient;

  constructor(cluster: string, config: ECSClientConfig) {
    this.cluster = cluster;
    this.client = new ECSClient(config);
  }

  async describeCluster(): Promise<Cluster | null> {
    const out = await this.call('DescribeClusters', () => this.client.send(new DescribeClustersCommand({ clusters: [this.cluster] })));
    return out.clusters?.[0] ?? null;
  }

  /** Services by name; a name ECS reports as missing is absent from the map. At most 10 per call, as the API allows. */
  async describeServices(names: readonly string[]): Promise<Map<string, Service>> {
    const found = new Map<string, Service>();
    const batches: string[][] = [];
    for (let start = 0; start < names.length; start += 10) batches.push(names.slice(start, start + 10));
    await Promise.all(
      batches.map(async (batch) => {
        const out = await this.call('DescribeServices', () => this.client.send(new DescribeServicesCommand({ cluster: this.cluster, services: batch })));
        for (const service of out.services ?? []) if (service.serviceName) found.set(service.serviceName, service);
      }),
    );
    return found;
  }

  /** A revision by ARN or `family:revision`, or a family's latest active revision; null when there is none. */
  async describeTaskDefinition(taskDefinition: string): Promise<TaskDefinitionWithTags | null> {
    try {
      const out = await this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] }));
      return out.taskDefinition ? { taskDefinition: out.taskDefinition, tags: out.tags ?? [] } : null;
    } catch (error) {
      // ECS answers a family without active revisions with a ClientException, not a 404.
      if ((error as Error).name === 'ClientException' && /unable to describe task definition/i.test((error as Error).message)) return null;
      throw awsError('DescribeTaskDefinition', error);
    }
  }

  async registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): Promise<TaskDefinition> {
    const out = await this.call('RegisterTaskDefinition', () => this.client.send(new RegisterTaskDefinitionCommand(input)));
    return out.taskDefinition!;
  }

  async deregisterTaskDefinition(taskDefinition: string): Promise<void> {
    await this.call('DeregisterTaskDefinition', () => this.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition })));
  }

  async listActiveRevisions(family: string): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.call('ListTaskDefinitions', () => this.client.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', nextToken })));
      // familyPrefix matches `family-extra` too; only this family's revisions count.
      arns.push(...(out.taskDefinitionArns ?? []).filter((arn) => arn.slice(arn.lastIndexOf('/') + 1).replace(/:\d+$/, '') === family));
      nextToken = out.nextToken;
    } while (nextToken);
    return arns;
  }

  async updateService(service: string, taskDefinition: string): Promise<Service> {
    const out = await this.call('UpdateService', () => this.client.send(new UpdateServiceCommand({ cluster: this.cluster, service, taskDefinition })));
    return out.service!;
  }

  async listTags(resourceArn: string): Promise<Tag[]> {
    const out = await this.call('ListTagsForResource', () => this.client.send(new ListTagsForResourceCommand({ resourceArn })));
    return out.tags ?? [];
  }

  async tag(resourceArn: string, tags: Tag[]): Promise<void> {
    await this.call('TagResource', () => this.client.send(new TagResourceCommand({ resourceArn, tags })));
  }

  async untag(resourceArn: string, tagKeys: string[]): Promise<void> {
    await this.call('UntagResource', () => this.client.send(new UntagResourceCommand({ resourceArn, tagKeys })));
  }

  async activeContainerInstances(): Promise<ContainerInstance[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.call('ListContainerInstances', () => this.client.send(new ListContainerInstancesCommand({ cluster: this.cluster, status: 'ACTIVE', nextToken })));
      arns.push(...(out.containerInstanceArns ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    const instances: ContainerInstance[] = [];
    for (let start = 0; start < arns.length; start += 100) {
      const batch = arns.slice(start, start + 100);
      const out = await this.call('DescribeContainerInstances', () => this.client.send(new DescribeContainerInstancesCommand({ cluster: this.cluster, containerInstances: batch })));
      instances.push(...(out.containerInstances ?? []));
    }
    return instances;
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw awsError(operation, error);
    }
  }
}

/** One line naming the call and AWS's reason; missing credentials or region get a hint on where they come from. */
export function awsError(operation: string, error: unknown): LockstepError {
  const name = (error as Error)?.name ?? 'Error';
  const message = (error as Error)?.message ?? String(error);
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new LockstepError('AWS', `ECS ${operation}: no AWS credentials found`, {
      hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE (GitHub OIDC: aws-actions/configure-aws-credentials)',
      cause: error,
    });
  }
  if (/region is missing/i.test(message)) {
    return new LockstepError('AWS', `ECS ${operation}: no AWS region`, { hint: 'set target.region in the environment, or AWS_REGION', cause: error });
  }
  return new LockstepError('AWS', `ECS ${operation} failed: ${name}: ${message}`, { cause: error });
}
