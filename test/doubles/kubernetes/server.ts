import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/exec/run.js';
import { parse as parseYaml, stringify } from 'yaml';
import { kubernetesOpenApi, type KubernetesOpenApi, type OperationMatch, type SchemaProblem } from './openapi.js';
import { PatchError, jsonPatch, mergePatch, strategicMergePatch } from './patch.js';

/**
 * A stateful stand-in for the Kubernetes API server, for tests only: no API server can run here. It keeps
 * Deployments, Nodes, ResourceQuotas, ConfigMaps and Leases, simulates the deployment controller (a spec
 * change bumps the generation, replicas become available after `rolloutDelayMs`, a broken image never
 * does and trips the progress deadline) and checks every request and every response against the
 * Kubernetes OpenAPI description (see openapi.ts). What the real server would refuse — an endpoint or
 * query parameter it does not have, a patch content type it does not take, a body that does not fit
 * the schema, an unknown field — is answered with the real server's status and recorded in
 * `violations`, which tests assert to be empty.
 */

type Json = Record<string, unknown>;

interface Kind {
  resource: string;
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
  definition: string;
  list: string;
}

const kinds: Kind[] = [
  { resource: 'deployments', group: 'apps', version: 'v1', kind: 'Deployment', namespaced: true, definition: 'io.k8s.api.apps.v1.Deployment', list: 'io.k8s.api.apps.v1.DeploymentList' },
  { resource: 'replicasets', group: 'apps', version: 'v1', kind: 'ReplicaSet', namespaced: true, definition: 'io.k8s.api.apps.v1.ReplicaSet', list: 'io.k8s.api.apps.v1.ReplicaSetList' },
  { resource: 'pods', group: '', version: 'v1', kind: 'Pod', namespaced: true, definition: 'io.k8s.api.core.v1.Pod', list: 'io.k8s.api.core.v1.PodList' },
  { resource: 'events', group: '', version: 'v1', kind: 'Event', namespaced: true, definition: 'io.k8s.api.core.v1.Event', list: 'io.k8s.api.core.v1.EventList' },
  { resource: 'nodes', group: '', version: 'v1', kind: 'Node', namespaced: false, definition: 'io.k8s.api.core.v1.Node', list: 'io.k8s.api.core.v1.NodeList' },
  { resource: 'resourcequotas', group: '', version: 'v1', kind: 'ResourceQuota', namespaced: true, definition: 'io.k8s.api.core.v1.ResourceQuota', list: 'io.k8s.api.core.v1.ResourceQuotaList' },
  { resource: 'configmaps', group: '', version: 'v1', kind: 'ConfigMap', namespaced: true, definition: 'io.k8s.api.core.v1.ConfigMap', list: 'io.k8s.api.core.v1.ConfigMapList' },
  {
    resource: 'leases',
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    namespaced: true,
    definition: 'io.k8s.api.coordination.v1.Lease',
    list: 'io.k8s.api.coordination.v1.LeaseList',
  },
];

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | null;
  status: number;
}

export interface KubernetesDoubleOptions {
  /** How long after a pod template change the new replicas become available. */
  rolloutDelayMs?: number;
  /** Images whose pods never become ready, with no reason the kubelet would give (a failing readiness probe). */
  brokenImages?: string[];
}

/**
 * How a pod template fails, as the cluster shows it: the kubelet cannot pull the image (the pod's
 * container waits in ErrImagePull, then ImagePullBackOff), the container exits and is restarted
 * (CrashLoopBackOff), the ReplicaSet cannot create pods (a ResourceQuota refuses them: ReplicaFailure
 * on the Deployment, no pods), or the pod never turns ready and gives no reason (unready).
 */
export type PodFailure = 'ImagePullBackOff' | 'ErrImagePull' | 'CrashLoopBackOff' | 'quota' | 'unready';

/** Which GitOps controller owns a seeded Deployment, marked as each marks what it applies. */
export type Manager = 'argocd' | 'flux';

export interface SeedDeployment {
  namespace: string;
  name: string;
  containers: Array<{ name: string; image: string }>;
  initContainers?: Array<{ name: string; image: string }>;
  replicas?: number;
  progressDeadlineSeconds?: number;
  annotations?: Record<string, string>;
  paused?: boolean;
  managedBy?: Manager;
}

/** One ReplicaSet of a Deployment: a pod template and the revision the controller gave it. */
interface Revision {
  revision: number;
  hash: string;
  template: string;
  /** When this template became the Deployment's (ms since epoch); 0 for the seeded one. */
  changedAt: number;
  failure: PodFailure | null;
}

interface Rollout {
  revisions: Revision[];
  current: Revision;
  /** The Progressing condition as last written; a stale ProgressDeadlineExceeded survives a rollback to an old ReplicaSet. */
  progressing: Json | null;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export class KubernetesDouble {
  readonly token = randomBytes(16).toString('hex');
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  url = '';
  ready = true;
  /** While true, no rollout completes, whatever the clock says: tests observe the waiting deterministically. */
  holdRollouts = false;
  private readonly api: KubernetesOpenApi = kubernetesOpenApi();
  private readonly objects = new Map<string, Json>();
  private readonly rollouts = new Map<string, Rollout>();
  private readonly broken = new Map<string, PodFailure>();
  private readonly forbidden = new Set<string>();
  private tokenExpiresAt = Number.POSITIVE_INFINITY;
  private readonly rolloutDelayMs: number;
  private resourceVersion = 1000;
  private server: Server | null = null;
  private certificate = '';

  constructor(options: KubernetesDoubleOptions = {}) {
    this.rolloutDelayMs = options.rolloutDelayMs ?? 150;
    for (const image of options.brokenImages ?? []) this.broken.set(image, 'unready');
  }

  /** Serves HTTPS like a real API server; the kubeconfig trusts its self-signed certificate. */
  async start(): Promise<this> {
    const tls = await selfSignedCertificate();
    this.certificate = tls.cert;
    const server = createServer(tls, (request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.violations.push(`double crashed on ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
        response.writeHead(500).end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A kubeconfig file pointing at the double with its bearer token, as `kubectl` would read it. */
  async writeKubeconfig(dir: string, context = 'double'): Promise<string> {
    const file = join(dir, 'kubeconfig.yaml');
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'double', cluster: { server: this.url, 'certificate-authority-data': Buffer.from(this.certificate).toString('base64') } }],
      users: [{ name: 'double-user', user: { token: this.token } }],
      contexts: [{ name: context, context: { cluster: 'double', user: 'double-user' } }],
      'current-context': context,
    };
    await writeFile(file, stringify(config), { mode: 0o600 });
    return file;
  }

  /** The PEM certificate clients must trust (the kubeconfig carries it). */
  get certificateAuthority(): string {
    return this.certificate;
  }

  markBroken(image: string, failure: PodFailure = 'unready'): void {
    this.broken.set(image, failure);
  }

  /** RBAC: the token's account may no longer `verb` (get, list, patch...) this resource. */
  forbid(verb: string, resource: string): void {
    this.forbidden.add(`${verb} ${resource}`);
  }

  /** The bearer token expires `inMs` from now (an OIDC or exec-plugin token); later requests get 401. */
  expireToken(inMs = 0): void {
    this.tokenExpiresAt = Date.now() + inMs;
  }

  seedDeployment(seed: SeedDeployment): void {
    const labels = { app: seed.name };
    const marks = managerMarks(seed.managedBy, seed.namespace, seed.name);
    const deployment: Json = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: seed.name,
        namespace: seed.namespace,
        labels: { ...labels, ...marks.labels },
        ...(seed.annotations || marks.annotations ? { annotations: { ...seed.annotations, ...marks.annotations } } : {}),
      },
      spec: {
        ...(seed.paused ? { paused: true } : {}),
        replicas: seed.replicas ?? 2,
        selector: { matchLabels: labels },
        progressDeadlineSeconds: seed.progressDeadlineSeconds ?? 600,
        revisionHistoryLimit: 10,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        template: {
          metadata: { labels },
          spec: {
            containers: seed.containers.map((container) => ({ ...container, imagePullPolicy: 'IfNotPresent' })),
            ...(seed.initContainers ? { initContainers: seed.initContainers } : {}),
            restartPolicy: 'Always',
          },
        },
      },
    };
    this.store(kindOf('deployments'), seed.namespace, deployment, null, marks.manager);
  }

  setNodes(nodes: Array<{ name: string; ready: boolean; unschedulable?: boolean }>): void {
    for (const existing of [...this.objects.keys()].filter((name) => name.startsWith('nodes/'))) this.objects.delete(existing);
    for (const node of nodes) {
      this.store(kindOf('nodes'), '', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: node.name, labels: { 'kubernetes.io/hostname': node.name } },
        spec: node.unschedulable ? { unschedulable: true } : {},
        status: {
          conditions: [
            { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: time(), lastTransitionTime: time() },
            {
              type: 'Ready',
              status: node.ready ? 'True' : 'False',
              reason: node.ready ? 'KubeletReady' : 'KubeletNotReady',
              message: node.ready ? 'kubelet is posting ready status' : 'container runtime is down',
              lastHeartbeatTime: time(),
              lastTransitionTime: time(),
            },
          ],
          capacity: { cpu: '4', memory: '16Gi', pods: '110' },
          allocatable: { cpu: '3800m', memory: '15Gi', pods: '110' },
        },
      }, null);
    }
  }

  setResourceQuota(namespace: string, name: string, hard: Record<string, string>, used: Record<string, string>): void {
    this.store(kindOf('resourcequotas'), namespace, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name, namespace },
      spec: { hard },
      status: { hard, used },
    }, null);
  }

  /** Someone ran `kubectl set image` behind lockstep's back: drift. */
  setImageOutOfBand(namespace: string, deployment: string, container: string, image: string): void {
    const current = this.objects.get(key('deployments', namespace, deployment));
    if (!current) throw new Error(`no deployment ${namespace}/${deployment}`);
    const next = structuredClone(current);
    const containers = ((next.spec as Json).template as { spec: { containers: Array<{ name: string; image: string }> } }).spec.containers;
    const target = containers.find((item) => item.name === container);
    if (!target) throw new Error(`no container ${container}`);
    target.image = image;
    this.store(kindOf('deployments'), namespace, next, current);
  }

  /** The stored object as a client reading it now would see it (deployment status brought up to date). */
  object(resource: string, namespace: string, name: string): Json | undefined {
    const stored = this.objects.get(key(resource, namespace, name));
    if (!stored) return undefined;
    if (resource === 'deployments') this.refreshStatus(namespace, stored);
    return structuredClone(stored);
  }

  private store(kind: Kind, namespace: string, object: Json, previous: Json | null, manager?: { name: string; operation: string }): Json {
    const metadata = object.metadata as Json;
    if (manager) metadata.managedFields = managedFieldsWith(previous, manager, kind);
    else if (previous) metadata.managedFields = (previous.metadata as Json).managedFields;
    const name = String(metadata.name);
    const previousMetadata = (previous?.metadata ?? {}) as Json;
    this.resourceVersion += 1;
    metadata.resourceVersion = String(this.resourceVersion);
    metadata.uid = previousMetadata.uid ?? randomUUID();
    metadata.creationTimestamp = previousMetadata.creationTimestamp ?? time();
    if (kind.namespaced) metadata.namespace = namespace;
    if (kind.resource === 'deployments') {
      const specChanged = !previous || JSON.stringify(previous.spec) !== JSON.stringify(object.spec);
      metadata.generation = previous ? Number(previousMetadata.generation ?? 1) + (specChanged ? 1 : 0) : 1;
      this.newTemplate(namespace, name, object, previous === null);
      // The status subresource is the controller's: writes to the main resource never change it.
      if (previous) object.status = previous.status;
    }
    this.objects.set(key(kind.resource, kind.namespaced ? namespace : '', name), object);
    return object;
  }

  /**
   * The deployment controller's part of a write: a pod template it has not seen becomes a new ReplicaSet
   * with the next revision; a template an old ReplicaSet has (a rollback) reuses that ReplicaSet and
   * moves it to the next revision, as the controller does. A paused Deployment is left alone.
   */
  private newTemplate(namespace: string, name: string, deployment: Json, seeded: boolean): void {
    const id = key('deployments', namespace, name);
    const template = JSON.stringify((deployment.spec as Json).template);
    const rollout = this.rollouts.get(id);
    if (rollout && (rollout.current.template === template || (deployment.spec as Json).paused === true)) return;
    const failure = podImages(deployment).map((image) => this.broken.get(image)).find((value) => value !== undefined) ?? null;
    const next = rollout ? Math.max(...rollout.revisions.map((revision) => revision.revision)) + 1 : 1;
    const existing = rollout?.revisions.find((revision) => revision.template === template);
    const revision: Revision = existing ?? { revision: next, hash: createHash('sha256').update(template).digest('hex').slice(0, 10).replace(/[0-9]/g, (digit) => 'bcdfghjkmn'[Number(digit)]!), template, changedAt: 0, failure };
    revision.revision = next;
    revision.changedAt = seeded ? 0 : Date.now();
    revision.failure = failure;
    if (rollout) {
      if (!existing) rollout.revisions.push(revision);
      rollout.current = revision;
    } else this.rollouts.set(id, { revisions: [revision], current: revision, progressing: null });
  }

  /** The deployment controller, evaluated lazily from the clock whenever the object is read. */
  private refreshStatus(namespace: string, deployment: Json): void {
    const metadata = deployment.metadata as Json;
    const spec = deployment.spec as Json;
    const name = String(metadata.name);
    const rollout = this.rollouts.get(key('deployments', namespace, name))!;
    const current = rollout.current;
    const replicas = Number(spec.replicas ?? 1);
    const elapsed = Date.now() - current.changedAt;
    const deadlineMs = Number(spec.progressDeadlineSeconds ?? 600) * 1000;
    const generation = Number(metadata.generation ?? 1);
    const replicaSet = `${name}-${current.hash}`;
    const stamp = time(new Date(current.changedAt || Date.now()));
    metadata.annotations = { ...(metadata.annotations as Record<string, string> | undefined), 'deployment.kubernetes.io/revision': String(current.revision) };
    const available = { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: stamp, lastTransitionTime: stamp };
    const conditions: Json[] = [available];
    let status: Json;
    if (spec.paused === true) {
      status = { observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
      conditions.push({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused', lastUpdateTime: time(), lastTransitionTime: time() });
    } else if (current.failure || elapsed < this.rolloutDelayMs || (this.holdRollouts && current.changedAt > 0)) {
      const exceeded = current.failure !== null && elapsed > deadlineMs;
      const created = current.failure === 'quota' ? 0 : 1;
      status = { observedGeneration: generation, replicas: replicas + created, updatedReplicas: created, readyReplicas: replicas, availableReplicas: replicas, unavailableReplicas: created };
      const stale = rollout.progressing?.reason === 'ProgressDeadlineExceeded' ? rollout.progressing : null;
      // The controller writes Progressing only when it sees progress: a rollback onto an old ReplicaSet
      // keeps the earlier ProgressDeadlineExceeded, with its old time, until that rollout completes.
      const already = stale && stale.message === `ReplicaSet "${replicaSet}" has timed out progressing.` ? stale : null;
      rollout.progressing = exceeded
        ? (already ?? { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${replicaSet}" has timed out progressing.`, lastUpdateTime: time(), lastTransitionTime: time() })
        : (stale ?? { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${replicaSet}" is progressing.`, lastUpdateTime: stamp, lastTransitionTime: stamp });
      conditions.push(rollout.progressing);
      if (current.failure === 'quota') {
        conditions.push({
          type: 'ReplicaFailure',
          status: 'True',
          reason: 'FailedCreate',
          message: `pods "${replicaSet}-" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=4, limited: requests.cpu=4`,
          lastUpdateTime: stamp,
          lastTransitionTime: stamp,
        });
      }
    } else {
      status = { observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
      rollout.progressing = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${replicaSet}" has successfully progressed.`, lastUpdateTime: stamp, lastTransitionTime: stamp };
      conditions.push(rollout.progressing);
    }
    deployment.status = { ...status, conditions };
  }

  /** The ReplicaSets of a Deployment, as the controller keeps them (old ones scaled to zero once the new one is done). */
  private replicaSetsOf(namespace: string, deployment: Json): Json[] {
    this.refreshStatus(namespace, deployment);
    const metadata = deployment.metadata as Json;
    const name = String(metadata.name);
    const rollout = this.rollouts.get(key('deployments', namespace, name))!;
    const done = (deployment.status as Json).updatedReplicas === (deployment.spec as Json).replicas && !rollout.current.failure;
    const replicas = Number((deployment.spec as Json).replicas ?? 1);
    return rollout.revisions.map((revision) => {
      const template = JSON.parse(revision.template) as Json;
      const labels = { ...((template.metadata as Json | undefined)?.labels as Record<string, string>), 'pod-template-hash': revision.hash };
      const isCurrent = revision === rollout.current;
      const count = isCurrent ? (done ? replicas : revision.failure === 'quota' ? 0 : 1) : done ? 0 : replicas;
      const ready = isCurrent && (revision.failure || !done) ? 0 : count;
      return {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${name}-${revision.hash}`,
          namespace,
          labels,
          annotations: { 'deployment.kubernetes.io/revision': String(revision.revision), 'deployment.kubernetes.io/desired-replicas': String(replicas) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: String(metadata.uid), controller: true, blockOwnerDeletion: true }],
          uid: createHash('sha256').update(`${namespace}/${name}/${revision.hash}`).digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
          resourceVersion: String(this.resourceVersion),
          creationTimestamp: time(new Date(revision.changedAt || Date.now())),
        },
        spec: { replicas: count, selector: { matchLabels: { ...(((deployment.spec as Json).selector as Json).matchLabels as Record<string, string>), 'pod-template-hash': revision.hash } }, template: { ...template, metadata: { ...(template.metadata as Json), labels } } },
        status: { replicas: count, readyReplicas: ready, availableReplicas: ready, observedGeneration: 1 },
      };
    });
  }

  /** The pods of each ReplicaSet, with the container statuses the kubelet reports for the failure. */
  private podsOf(namespace: string, deployment: Json): Json[] {
    const name = String((deployment.metadata as Json).name);
    const rollout = this.rollouts.get(key('deployments', namespace, name))!;
    return this.replicaSetsOf(namespace, deployment).flatMap((replicaSet) => {
      const rsMeta = replicaSet.metadata as Json;
      const revision = rollout.revisions.find((candidate) => `${name}-${candidate.hash}` === rsMeta.name)!;
      const template = (replicaSet.spec as Json).template as Json;
      const podSpec = template.spec as { containers: Array<{ name: string; image: string }>; initContainers?: Array<{ name: string; image: string }> };
      const count = Number((replicaSet.spec as Json).replicas);
      const ready = Number((replicaSet.status as Json).readyReplicas) === count;
      return Array.from({ length: count }, (_unused, index) => {
        const failing = revision === rollout.current ? revision.failure : null;
        const statusOf = (container: { name: string; image: string }) => containerStatus(container, failing, ready);
        return {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `${rsMeta.name}-${String(index).padStart(5, 'x')}`,
            namespace,
            labels: (template.metadata as Json).labels,
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsMeta.name, uid: rsMeta.uid, controller: true, blockOwnerDeletion: true }],
            uid: randomUUID(),
            resourceVersion: String(this.resourceVersion),
            creationTimestamp: rsMeta.creationTimestamp,
          },
          spec: template.spec,
          status: {
            phase: failing === 'CrashLoopBackOff' || failing === 'unready' || ready ? 'Running' : 'Pending',
            conditions: [{ type: 'Ready', status: ready && !failing ? 'True' : 'False', lastTransitionTime: time() }],
            ...(podSpec.initContainers ? { initContainerStatuses: podSpec.initContainers.map((container) => containerStatus(container, null, true, true)) } : {}),
            containerStatuses: podSpec.containers.map(statusOf),
          },
        };
      });
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://double');
    const method = request.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams);
    const contentType = request.headers['content-type']?.split(';')[0]?.trim() ?? null;
    const raw = await readBody(request);
    const record: RecordedRequest = { method, path: url.pathname, query, contentType, status: 0 };
    this.requests.push(record);
    const send = (reply: Reply, match: OperationMatch | null) => {
      record.status = reply.status;
      if (match) this.checkResponse(match, reply, `${method} ${url.pathname}`);
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      response.writeHead(reply.status, {
        'content-type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
        'audit-id': randomUUID(),
        ...reply.headers,
      });
      response.end(text);
    };

    // The health endpoints are served by the apiserver's healthz handler, outside the OpenAPI document.
    if (['/readyz', '/livez', '/healthz'].includes(url.pathname)) {
      if (method !== 'GET') return send(this.fail(`${method} ${url.pathname}`, 405, 'MethodNotAllowed', 'only GET is served'), null);
      return send(this.ready ? { status: 200, body: 'ok' } : { status: 500, body: '[-]etcd failed: reason withheld\nreadyz check failed' }, null);
    }
    if (request.headers.authorization !== `Bearer ${this.token}` || Date.now() >= this.tokenExpiresAt) {
      return send(status(401, 'Unauthorized', 'Unauthorized'), null);
    }
    const found = this.api.match(method, url.pathname);
    if (!found.operation) {
      const why = found.template ? `${method} is not an operation of ${found.template}` : `no endpoint ${url.pathname} in the Kubernetes OpenAPI description`;
      return send(this.fail(`${method} ${url.pathname}`, found.template ? 405 : 404, found.template ? 'MethodNotAllowed' : 'NotFound', why), null);
    }
    const match = found as OperationMatch;
    const where = `${method} ${url.pathname}`;
    const queryProblem = this.checkQuery(match, url.searchParams);
    if (queryProblem) return send(this.fail(where, 400, 'BadRequest', queryProblem), match);

    let body: unknown = undefined;
    const accepted = this.api.requestContent(match);
    if (accepted && raw.length > 0) {
      const allowed = Object.keys(accepted);
      if (!contentType || !(allowed.includes(contentType) || allowed.includes('*/*'))) {
        return send(this.fail(where, 415, 'UnsupportedMediaType', `the body of ${match.template} ${method} must be one of ${allowed.join(', ')}, not ${contentType ?? 'untyped'}`), match);
      }
      try {
        body = contentType === 'application/apply-patch+yaml' ? parseYaml(raw) : JSON.parse(raw);
      } catch (error) {
        return send(this.fail(where, 400, 'BadRequest', `the body is not valid ${contentType}: ${(error as Error).message}`), match);
      }
    } else if (accepted && method !== 'DELETE') {
      return send(this.fail(where, 400, 'BadRequest', 'the request needs a body'), match);
    }
    const action = String(match.operation['x-kubernetes-action'] ?? '');
    const target = this.resolveTarget(url.pathname, match);
    if (!target) return send(this.fail(where, 501, 'NotImplemented', `${match.template} is valid but not simulated by the double`), match);
    const verb = action === 'post' ? 'create' : action === 'put' ? 'update' : action;
    if (this.forbidden.has(`${verb} ${target.kind.resource}`)) {
      // The authorizer's refusal, worded as the API server words it.
      const group = target.kind.group ? `.${target.kind.group}` : '';
      const what = target.name ? `${target.kind.resource}${group} "${target.name}"` : `${target.kind.resource}${group}`;
      return send(
        status(403, 'Forbidden', `${what} is forbidden: User "system:serviceaccount:ci:lockstep" cannot ${verb} resource "${target.kind.resource}" in API group "${target.kind.group}" in the namespace "${target.namespace}"`, {
          ...(target.name ? { name: target.name } : {}),
          group: target.kind.group,
          kind: target.kind.resource,
        }),
        match,
      );
    }
    return send(this.act(action, target, body, contentType, query, where), match);
  }

  private resolveTarget(path: string, match: OperationMatch): { kind: Kind; namespace: string; name: string | null } | null {
    if (match.template.includes('/watch/') || /\/\{name\}\/[a-z]+$/.test(match.template)) return null;
    const parts = path.replace(/^\/(api\/v1|apis\/[^/]+\/[^/]+)\//, '').split('/');
    const namespaced = parts[0] === 'namespaces' && parts.length >= 3;
    const namespace = namespaced ? (parts[1] ?? '') : '';
    const rest = namespaced ? parts.slice(2) : parts;
    const kind = kinds.find((candidate) => candidate.resource === rest[0] && path.startsWith(candidate.group ? `/apis/${candidate.group}/${candidate.version}/` : '/api/v1/'));
    if (!kind || kind.namespaced !== namespaced) return null;
    return { kind, namespace, name: rest[1] ?? null };
  }

  private act(action: string, target: { kind: Kind; namespace: string; name: string | null }, body: unknown, contentType: string | null, query: Record<string, string>, where: string): Reply {
    const { kind, namespace, name } = target;
    const id = key(kind.resource, namespace, name ?? '');
    const existing = this.objects.get(id);
    const notFound = () => status(404, 'NotFound', `${kind.resource}${kind.group ? `.${kind.group}` : ''} "${name}" not found`, { name, group: kind.group, kind: kind.resource });
    switch (action) {
      case 'get':
        if (!existing) return notFound();
        return { status: 200, body: this.object(kind.resource, namespace, name ?? '') };
      case 'list': {
        if (kind.resource === 'events') {
          const fields = parseSelector(query.fieldSelector);
          const items = [...this.objects.entries()]
            .filter(([entry]) => entry.startsWith(`deployments/${namespace}/`))
            .flatMap(([, deployment]) => this.podsOf(namespace, deployment))
            .flatMap((pod) => podEvents(pod))
            .filter((event) => Object.entries(fields).every(([field, value]) => (field === 'involvedObject.name' ? ((event.involvedObject as Json).name === value) : field === 'type' ? event.type === value : false)));
          return { status: 200, body: { apiVersion: 'v1', kind: 'EventList', metadata: { resourceVersion: String(this.resourceVersion) }, items } };
        }
        if (kind.resource === 'replicasets' || kind.resource === 'pods') {
          const selector = parseSelector(query.labelSelector);
          const items = [...this.objects.entries()]
            .filter(([entry]) => entry.startsWith(`deployments/${namespace}/`))
            .flatMap(([, deployment]) => (kind.resource === 'pods' ? this.podsOf(namespace, deployment) : this.replicaSetsOf(namespace, deployment)))
            .filter((item) => Object.entries(selector).every(([label, value]) => ((item.metadata as Json).labels as Record<string, string>)[label] === value));
          return { status: 200, body: { apiVersion: 'v1', kind: `${kind.kind}List`, metadata: { resourceVersion: String(this.resourceVersion) }, items } };
        }
        const items = [...this.objects.entries()]
          .filter(([entry]) => entry.startsWith(`${kind.resource}/${namespace}/`))
          .map(([, object]) => this.object(kind.resource, namespace, String((object.metadata as Json).name)));
        return { status: 200, body: { apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version, kind: `${kind.kind}List`, metadata: { resourceVersion: String(this.resourceVersion) }, items } };
      }
      case 'post': {
        const object = body as Json;
        const problem = this.identity(kind, namespace, object, null);
        if (problem) return this.fail(where, problem.status, problem.reason, problem.message);
        const objectName = String((object.metadata as Json).name);
        if (this.objects.has(key(kind.resource, namespace, objectName))) {
          return status(409, 'AlreadyExists', `${kind.resource}${kind.group ? `.${kind.group}` : ''} "${objectName}" already exists`, { name: objectName, group: kind.group, kind: kind.resource });
        }
        const checked = this.checkObject(kind, object, query, where);
        if ('status' in checked) return checked;
        return { status: 201, body: this.storeAndRead(kind, namespace, checked.object, null, query.fieldManager), headers: checked.headers };
      }
      case 'put': {
        if (!existing) return notFound();
        const object = body as Json;
        const problem = this.identity(kind, namespace, object, name);
        if (problem) return this.fail(where, problem.status, problem.reason, problem.message);
        const conflict = this.precondition(kind, existing, (object.metadata as Json).resourceVersion);
        if (conflict) return conflict;
        const checked = this.checkObject(kind, object, query, where, existing);
        if ('status' in checked) return checked;
        return { status: 200, body: this.storeAndRead(kind, namespace, checked.object, existing, query.fieldManager), headers: checked.headers };
      }
      case 'patch': {
        if (!existing) return notFound();
        let patched: Json;
        try {
          if (contentType === 'application/strategic-merge-patch+json') patched = strategicMergePatch(this.api, kind.definition, existing, body) as Json;
          else if (contentType === 'application/merge-patch+json') {
            if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PatchError('a merge patch must be a JSON object');
            patched = mergePatch(existing, body) as Json;
          } else if (contentType === 'application/json-patch+json') patched = jsonPatch(existing, body) as Json;
          else return this.fail(where, 415, 'UnsupportedMediaType', `${contentType ?? 'no content type'}: server-side apply is not simulated by the double`);
        } catch (error) {
          if (error instanceof PatchError) return this.fail(where, 400, 'BadRequest', error.message);
          throw error;
        }
        const patchVersion = ((body as Json | undefined)?.metadata as Json | undefined)?.resourceVersion;
        const conflict = this.precondition(kind, existing, patchVersion);
        if (conflict) return conflict;
        const problem = this.identity(kind, namespace, patched, name);
        if (problem) return this.fail(where, problem.status, problem.reason, problem.message);
        const checked = this.checkObject(kind, patched, query, where, existing);
        if ('status' in checked) return checked;
        return { status: 200, body: this.storeAndRead(kind, namespace, checked.object, existing, query.fieldManager), headers: checked.headers };
      }
      case 'delete': {
        if (!existing) return notFound();
        const preconditions = ((body as Json | undefined)?.preconditions ?? {}) as Json;
        const conflict = this.precondition(kind, existing, preconditions.resourceVersion);
        if (conflict) return conflict;
        this.objects.delete(id);
        const metadata = existing.metadata as Json;
        return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: kind.group, kind: kind.resource, uid: metadata.uid } } };
      }
      default:
        return this.fail(where, 501, 'NotImplemented', `action ${action} is not simulated by the double`);
    }
  }

  private storeAndRead(kind: Kind, namespace: string, object: Json, previous: Json | null, fieldManager?: string): Json | undefined {
    // Every write is recorded under its field manager (kubectl's default when the client names none).
    const stored = this.store(kind, namespace, object, previous, { name: fieldManager ?? 'kubectl-edit', operation: 'Update' });
    return this.object(kind.resource, namespace, String((stored.metadata as Json).name));
  }

  private identity(kind: Kind, namespace: string, object: Json, name: string | null): { status: number; reason: string; message: string } | null {
    if (typeof object !== 'object' || object === null || Array.isArray(object)) return { status: 400, reason: 'BadRequest', message: 'the body must be a JSON object' };
    const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
    if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) return { status: 400, reason: 'BadRequest', message: `apiVersion ${String(object.apiVersion)} does not match ${apiVersion}` };
    if (object.kind !== undefined && object.kind !== kind.kind) return { status: 400, reason: 'BadRequest', message: `kind ${String(object.kind)} does not match ${kind.kind}` };
    const metadata = (object.metadata ?? {}) as Json;
    if (typeof metadata.name !== 'string' || !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(metadata.name)) {
      return { status: 422, reason: 'Invalid', message: `metadata.name: Invalid value: ${JSON.stringify(metadata.name)}: a lowercase RFC 1123 subdomain is required` };
    }
    if (name !== null && metadata.name !== name) return { status: 400, reason: 'BadRequest', message: `the name of the object (${metadata.name}) does not match the name on the URL (${name})` };
    if (kind.namespaced && metadata.namespace !== undefined && metadata.namespace !== namespace) {
      return { status: 400, reason: 'BadRequest', message: 'the namespace of the provided object does not match the namespace sent on the request' };
    }
    return null;
  }

  private precondition(kind: Kind, existing: Json, resourceVersion: unknown): Reply | null {
    if (resourceVersion === undefined || resourceVersion === null || resourceVersion === (existing.metadata as Json).resourceVersion) return null;
    const name = String((existing.metadata as Json).name);
    return status(409, 'Conflict', `Operation cannot be fulfilled on ${kind.resource}${kind.group ? `.${kind.group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {
      name,
      group: kind.group,
      kind: kind.resource,
    });
  }

  /** Schema and semantic validation of an object about to be stored, with the fieldValidation behaviour. */
  private checkObject(kind: Kind, object: Json, query: Record<string, string>, where: string, previous?: Json): { object: Json; headers?: Record<string, string> } | Reply {
    const candidate = structuredClone(object);
    candidate.apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
    candidate.kind = kind.kind;
    const problems = this.api.validate(kind.definition, candidate);
    const unknown = problems.filter((problem) => problem.unknownField);
    const invalid = [...problems.filter((problem) => !problem.unknownField), ...semanticProblems(kind, candidate, previous)];
    if (invalid.length > 0) return this.fail(where, 422, 'Invalid', `${kind.kind} "${String((candidate.metadata as Json).name)}" is invalid: ${describe(invalid)}`);
    if (unknown.length === 0) return { object: candidate };
    const message = unknown.map((problem) => `unknown field "${problem.pointer.slice(1).replace(/\//g, '.')}"`).join(', ');
    if (query.fieldValidation === 'Strict') return this.fail(where, 400, 'BadRequest', `strict decoding error: ${message}`);
    this.violations.push(`${where}: ${message} (dropped by the server without fieldValidation=Strict)`);
    this.api.prune(kind.definition, candidate);
    return { object: candidate, headers: query.fieldValidation === 'Ignore' ? {} : { warning: `299 - "${message}"` } };
  }

  private checkQuery(match: OperationMatch, params: URLSearchParams): string | null {
    const declared = this.api.parameters(match).filter((parameter) => parameter.in === 'query');
    for (const [name, value] of params) {
      const parameter = declared.find((candidate) => candidate.name === name);
      if (!parameter) return `unknown query parameter ${name} for ${match.method.toUpperCase()} ${match.template}`;
      if (parameter.schema.type === 'boolean' && value !== 'true' && value !== 'false') return `query parameter ${name} must be true or false`;
      if (parameter.schema.type === 'integer' && !/^-?\d+$/.test(value)) return `query parameter ${name} must be an integer`;
    }
    const validation = params.get('fieldValidation');
    if (validation !== null && !['Ignore', 'Warn', 'Strict'].includes(validation)) return `fieldValidation must be Ignore, Warn or Strict, not ${validation}`;
    const dryRun = params.get('dryRun');
    if (dryRun !== null && dryRun !== 'All') return `dryRun must be All, not ${dryRun}`;
    return null;
  }

  private checkResponse(match: OperationMatch, reply: Reply, where: string): void {
    const schema = this.api.responseSchema(match, reply.status);
    if (schema === undefined || schema === null) return;
    const problems = this.api.validate(schema, reply.body);
    if (problems.length > 0) this.violations.push(`${where}: the double's ${reply.status} response does not fit ${schema}: ${describe(problems)}`);
  }

  /** A refusal the real API server would also send: answered, and recorded as a violation. */
  private fail(where: string, code: number, reason: string, message: string): Reply {
    this.violations.push(`${where}: ${code} ${reason}: ${message}`);
    return status(code, reason, message);
  }
}

let certificate: Promise<{ key: string; cert: string }> | null = null;

/** One key pair per test process, for 127.0.0.1, made by openssl (a few milliseconds). */
function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  certificate ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k8s-double-tls-'));
    try {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=kubernetes-double', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
      return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return certificate;
}

export async function startKubernetesDouble(options: KubernetesDoubleOptions = {}): Promise<KubernetesDouble> {
  return new KubernetesDouble(options).start();
}

function kindOf(resource: string): Kind {
  const found = kinds.find((kind) => kind.resource === resource);
  if (!found) throw new Error(`the double does not keep ${resource}`);
  return found;
}

function key(resource: string, namespace: string, name: string): string {
  return `${resource}/${namespace}/${name}`;
}

/** metav1.Time: RFC 3339 to the second, as the API server writes it. */
function time(date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function status(code: number, reason: string, message: string, details?: Json): Reply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) } };
}

function describe(problems: SchemaProblem[]): string {
  return problems.map((problem) => `${problem.pointer}: ${problem.message}`).join('; ');
}

function podImages(deployment: Json): string[] {
  const spec = ((deployment.spec as Json).template as Json).spec as { containers?: Array<{ image?: string }>; initContainers?: Array<{ image?: string }> };
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((container) => container.image ?? '');
}

/** The part of apps/v1 validation a schema cannot say: images present, selector matching and immutable. */
function semanticProblems(kind: Kind, object: Json, previous?: Json): SchemaProblem[] {
  if (kind.resource !== 'deployments') return [];
  const problems: SchemaProblem[] = [];
  const spec = object.spec as Json;
  const template = spec.template as { metadata?: { labels?: Record<string, string> }; spec: { containers: Array<{ name: string; image?: string }> } };
  template.spec.containers.forEach((container, index) => {
    if (!container.image || container.image.trim() !== container.image) {
      problems.push({ pointer: `/spec/template/spec/containers/${index}/image`, message: 'Required value', unknownField: false });
    }
  });
  if (template.spec.containers.length === 0) problems.push({ pointer: '/spec/template/spec/containers', message: 'Required value', unknownField: false });
  const selector = ((spec.selector as Json).matchLabels ?? {}) as Record<string, string>;
  const labels = template.metadata?.labels ?? {};
  if (Object.entries(selector).some(([label, value]) => labels[label] !== value)) {
    problems.push({ pointer: '/spec/template/metadata/labels', message: 'selector does not match template labels', unknownField: false });
  }
  if (previous && JSON.stringify((previous.spec as Json).selector) !== JSON.stringify(spec.selector)) {
    problems.push({ pointer: '/spec/selector', message: 'field is immutable', unknownField: false });
  }
  return problems;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The labels and annotations a GitOps controller puts on what it applies, and the field manager it writes with. */
function managerMarks(manager: Manager | undefined, namespace: string, name: string): { labels: Record<string, string>; annotations?: Record<string, string>; manager?: { name: string; operation: string } } {
  if (manager === 'argocd') {
    return { labels: { 'app.kubernetes.io/instance': 'shop-staging' }, annotations: { 'argocd.argoproj.io/tracking-id': `shop-staging:apps/Deployment:${namespace}/${name}` }, manager: { name: 'argocd-controller', operation: 'Apply' } };
  }
  if (manager === 'flux') {
    return { labels: { 'kustomize.toolkit.fluxcd.io/name': 'shop', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' }, manager: { name: 'kustomize-controller', operation: 'Apply' } };
  }
  return { labels: {} };
}

/** metadata.managedFields after a write by `manager`: one entry per manager and operation, as the server keeps them. */
function managedFieldsWith(previous: Json | null, manager: { name: string; operation: string }, kind: Kind): Json[] {
  const entries = (((previous?.metadata as Json | undefined)?.managedFields ?? []) as Json[]).filter((entry) => !(entry.manager === manager.name && entry.operation === manager.operation));
  return [...entries, { manager: manager.name, operation: manager.operation, apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version, time: time(), fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }];
}

function containerStatus(container: { name: string; image: string }, failure: PodFailure | null, ready: boolean, init = false): Json {
  const base = { name: container.name, image: container.image, imageID: '', restartCount: 0 };
  if (failure === 'ImagePullBackOff' || failure === 'ErrImagePull') {
    const message = failure === 'ImagePullBackOff' ? `Back-off pulling image "${container.image}"` : `rpc error: code = NotFound desc = failed to pull and unpack image "${container.image}": not found`;
    return { ...base, ready: false, started: false, state: { waiting: { reason: failure, message } } };
  }
  if (failure === 'CrashLoopBackOff') {
    return {
      ...base,
      ready: false,
      started: false,
      restartCount: 4,
      state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 1m20s restarting failed container=${container.name}` } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: time(), finishedAt: time() } },
    };
  }
  if (init) return { ...base, ready: true, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: time(), finishedAt: time() } } };
  return { ...base, ready: ready && failure === null, started: true, state: { running: { startedAt: time() } } };
}

/** `a=b,c=d`: the equality-based label selectors lockstep sends. */
function parseSelector(text: string | undefined): Record<string, string> {
  if (!text) return {};
  return Object.fromEntries(text.split(',').map((part) => part.split('=') as [string, string]));
}

/** The kubelet's events for a pod whose container waits: why the pull failed, that it backs off restarting. */
function podEvents(pod: Json): Json[] {
  const metadata = pod.metadata as Json;
  const statuses = ((pod.status as Json).containerStatuses ?? []) as Array<{ name: string; image: string; state: { waiting?: { reason: string } } }>;
  return statuses.flatMap((container, index) => {
    const reason = container.state.waiting?.reason;
    if (!reason) return [];
    const message =
      reason === 'CrashLoopBackOff'
        ? `Back-off restarting failed container ${container.name} in pod ${String(metadata.name)}_${String(metadata.namespace)}(${String(metadata.uid)})`
        : `Failed to pull image "${container.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${container.image}": not found`;
    const at = time();
    return [
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${String(metadata.name)}.${index}`, namespace: metadata.namespace, uid: randomUUID(), resourceVersion: '1', creationTimestamp: at },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name: metadata.name, namespace: metadata.namespace, uid: metadata.uid, fieldPath: `spec.containers{${container.name}}` },
        reason: reason === 'CrashLoopBackOff' ? 'BackOff' : 'Failed',
        message,
        source: { component: 'kubelet', host: 'node-a' },
        firstTimestamp: at,
        lastTimestamp: at,
        count: 3,
        type: 'Warning',
        reportingComponent: 'kubelet',
        reportingInstance: 'node-a',
      },
    ];
  });
}
