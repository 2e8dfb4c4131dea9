import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodySchema, checkQuery, matchOperation, responseSchema, validate, type MatchedOperation } from './swagger.js';

/**
 * A stateful stand-in for the Argo CD API server, for tests only: no Argo CD can run here. It keeps one
 * application tracking a branch of the config repository and simulates the application controller as
 * Argo CD documents it: with an automated sync policy a new commit on the branch starts a sync
 * (after a refresh, or at the next poll); without one only `POST /sync` does. A sync operation is
 * Running, then Succeeded with the application Synced at the revision and Progressing, then Healthy.
 * Per revision a test can make the sync degrade (Synced, health Degraded with the resource's message),
 * fail (operation Failed, a SyncError condition) or never finish (operation Running for ever).
 * Every request and every response is checked against Argo CD's swagger.json (see swagger.ts):
 * what does not fit is answered as the real gateway would and recorded in `violations`.
 */

export type SyncBehaviour = 'healthy' | 'degrade' | 'fail' | 'hang';

export interface ArgoCdDoubleOptions {
  application: string;
  /** The head of the tracked branch in the config repository, read whenever Argo CD compares. */
  head: () => Promise<string>;
  automated: boolean;
  repoURL?: string;
  syncDelayMs?: number;
  healthDelayMs?: number;
}

interface OperationRecord {
  revision: string;
  startedAt: number;
  behaviour: SyncBehaviour;
  initiatedBy: { username?: string; automated?: boolean };
}

export class ArgoCdDouble {
  readonly token = `argocd-${randomUUID()}`;
  readonly violations: string[] = [];
  readonly requests: Array<{ method: string; path: string; status: number }> = [];
  /** Revisions a sync was requested for through the API (manual applications). */
  readonly syncRequests: string[] = [];
  /** When each revision was first reported Synced and Healthy (ms since epoch). */
  readonly healthyAt = new Map<string, number>();
  url = '';
  automated: boolean;
  private readonly behaviours = new Map<string, SyncBehaviour>();
  private next: SyncBehaviour | null = null;
  private synced: { revision: string; at: number; behaviour: SyncBehaviour } | null = null;
  private operation: OperationRecord | null = null;
  private server: Server | null = null;
  private resourceVersion = 5000;
  private readonly uid = randomUUID();

  constructor(private readonly options: ArgoCdDoubleOptions) {
    this.automated = options.automated;
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.violations.push(`double crashed on ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
        response.writeHead(500).end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** What syncing `revision` will do. */
  behave(revision: string, behaviour: SyncBehaviour): void {
    this.behaviours.set(revision, behaviour);
  }

  /** What the sync of the next revision not yet seen will do (its commit is not known in advance). */
  behaveNext(behaviour: SyncBehaviour): void {
    this.next = behaviour;
  }

  /** Starts where the environment already is: synced and healthy at `revision`. */
  seedSynced(revision: string): void {
    this.synced = { revision, at: 0, behaviour: 'healthy' };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://double');
    const method = request.method ?? 'GET';
    const record = { method, path: url.pathname, status: 0 };
    this.requests.push(record);
    const raw = await readBody(request);
    const send = (status: number, body: unknown, match: MatchedOperation | null) => {
      record.status = status;
      if (match) {
        const schema = responseSchema(match, status);
        const problems = schema ? validate(schema, body) : [`no response schema for ${status}`];
        if (problems.length > 0) this.violations.push(`${method} ${url.pathname}: the double's ${status} response does not fit: ${problems.join('; ')}`);
      }
      response.writeHead(status, { 'content-type': 'application/json', 'grpc-metadata-content-type': 'application/grpc' });
      response.end(JSON.stringify(body));
    };
    const refuse = (status: number, code: number, message: string, match: MatchedOperation | null) => {
      this.violations.push(`${method} ${url.pathname}: ${status}: ${message}`);
      send(status, { error: message, code, message }, match);
    };

    const match = matchOperation(method, url.pathname);
    if (!match) return refuse(404, 5, `Not Found: no operation ${method} ${url.pathname} in Argo CD's API`, null);
    if (request.headers.authorization !== `Bearer ${this.token}`) {
      record.status = 401;
      return send(401, { error: 'invalid session: token signature is invalid', code: 16, message: 'invalid session: token signature is invalid' }, match);
    }
    const queryProblems = checkQuery(match, url.searchParams);
    if (queryProblems.length > 0) return refuse(400, 3, queryProblems.join('; '), match);
    const expected = bodySchema(match);
    let body: Record<string, unknown> = {};
    if (expected) {
      if (request.headers['content-type']?.split(';')[0] !== 'application/json') return refuse(415, 3, 'the body must be application/json', match);
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return refuse(400, 3, 'the body is not JSON', match);
      }
      const problems = validate(expected, body);
      if (problems.length > 0) return refuse(400, 3, `the body does not fit: ${problems.join('; ')}`, match);
    } else if (raw.length > 0) return refuse(400, 3, `${match.operation.operationId} takes no body`, match);

    if (match.pathParams.name !== this.options.application) {
      record.status = 403;
      // Argo CD answers an application the account may not see exactly like one that does not exist.
      return send(403, { error: 'permission denied', code: 7, message: 'permission denied' }, match);
    }
    switch (match.operation.operationId) {
      case 'ApplicationService_Get': {
        await this.reconcile(url.searchParams.get('refresh') !== null);
        return send(200, await this.application(), match);
      }
      case 'ApplicationService_Sync': {
        await this.reconcile(false);
        if (this.operation && this.phase(this.operation).phase === 'Running') {
          record.status = 409;
          return send(409, { error: 'another operation is already in progress', code: 9, message: 'another operation is already in progress' }, match);
        }
        const revision = typeof body.revision === 'string' && body.revision ? body.revision : await this.options.head();
        this.syncRequests.push(revision);
        this.startOperation(revision, { username: 'lockstep' });
        return send(200, await this.application(), match);
      }
      default:
        return refuse(501, 12, `${match.operation.operationId} is valid but not simulated by the double`, match);
    }
  }

  /** The application controller: an automated application syncs the branch head when it differs. */
  private async reconcile(_refresh: boolean): Promise<void> {
    this.settle();
    if (!this.automated) return;
    const head = await this.options.head();
    const busy = this.operation && this.phase(this.operation).phase === 'Running';
    if (!busy && this.synced?.revision !== head && this.operation?.revision !== head) this.startOperation(head, { automated: true });
  }

  private startOperation(revision: string, initiatedBy: OperationRecord['initiatedBy']): void {
    if (this.next && !this.behaviours.has(revision)) {
      this.behaviours.set(revision, this.next);
      this.next = null;
    }
    this.operation = { revision, startedAt: Date.now(), behaviour: this.behaviours.get(revision) ?? 'healthy', initiatedBy };
    this.resourceVersion += 1;
  }

  private phase(operation: OperationRecord): { phase: 'Running' | 'Succeeded' | 'Failed'; message: string } {
    const done = Date.now() - operation.startedAt >= (this.options.syncDelayMs ?? 100);
    if (operation.behaviour === 'hang' || !done) return { phase: 'Running', message: 'waiting for healthy state of apps/Deployment/catalog' };
    if (operation.behaviour === 'fail') return { phase: 'Failed', message: 'one or more objects failed to apply, reason: Deployment.apps "catalog" is invalid: spec.template.spec.containers[0].image: Required value' };
    return { phase: 'Succeeded', message: 'successfully synced (all tasks run)' };
  }

  /** A finished, successful operation makes its revision the synced one. */
  private settle(): void {
    const operation = this.operation;
    if (!operation || this.phase(operation).phase !== 'Succeeded') return;
    if (this.synced?.revision !== operation.revision) this.synced = { revision: operation.revision, at: operation.startedAt + (this.options.syncDelayMs ?? 100), behaviour: operation.behaviour };
  }

  private async application(): Promise<Record<string, unknown>> {
    this.settle();
    const head = await this.options.head();
    const source = { repoURL: this.options.repoURL ?? 'https://github.com/acme/shop-config.git', path: 'charts/shop', targetRevision: 'main', helm: { valueFiles: ['values-staging.yaml'] } };
    const destination = { server: 'https://kubernetes.default.svc', namespace: 'shop' };
    const synced = this.synced;
    const healthDelay = this.options.healthDelayMs ?? 100;
    let health: Record<string, unknown> = { status: 'Missing', lastTransitionTime: time(new Date()) };
    const resources: Array<Record<string, unknown>> = [];
    if (synced) {
      const settled = Date.now() - synced.at >= healthDelay;
      const status = !settled ? 'Progressing' : synced.behaviour === 'degrade' ? 'Degraded' : 'Healthy';
      health = { status, lastTransitionTime: time(new Date(synced.at || Date.now())) };
      const message =
        status === 'Degraded'
          ? 'Deployment "catalog" exceeded its progress deadline'
          : status === 'Progressing'
            ? 'Waiting for rollout to finish: 1 out of 2 new replicas have been updated...'
            : undefined;
      resources.push({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'catalog', status: synced.revision === head ? 'Synced' : 'OutOfSync', health: { status, ...(message ? { message } : {}) } });
      if (status === 'Healthy' && !this.healthyAt.has(synced.revision)) this.healthyAt.set(synced.revision, Date.now());
    }
    const operation = this.operation;
    const phase = operation ? this.phase(operation) : null;
    const conditions = phase?.phase === 'Failed' ? [{ type: 'SyncError', message: `Failed sync attempt to ${operation!.revision}: ${phase.message}`, lastTransitionTime: time(new Date()) }] : [];
    return {
      metadata: { name: this.options.application, namespace: 'argocd', uid: this.uid, resourceVersion: String(this.resourceVersion), generation: '3', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { source, destination, project: 'default', syncPolicy: this.automated ? { automated: { prune: false, selfHeal: true } } : { syncOptions: ['CreateNamespace=false'] } },
      status: {
        sync: { status: synced?.revision === head ? 'Synced' : 'OutOfSync', ...(synced ? { revision: synced.revision } : {}), comparedTo: { source, destination } },
        health,
        ...(conditions.length > 0 ? { conditions } : {}),
        ...(resources.length > 0 ? { resources } : {}),
        sourceType: 'Helm',
        reconciledAt: time(new Date()),
        ...(operation && phase
          ? {
              operationState: {
                operation: { sync: { revision: operation.revision, prune: false }, initiatedBy: operation.initiatedBy, retry: {} },
                phase: phase.phase,
                message: phase.message,
                startedAt: time(new Date(operation.startedAt)),
                ...(phase.phase !== 'Running' ? { finishedAt: time(new Date()), syncResult: { revision: operation.revision, source } } : {}),
              },
            }
          : {}),
      },
    };
  }
}

export async function startArgoCdDouble(options: ArgoCdDoubleOptions): Promise<ArgoCdDouble> {
  return new ArgoCdDouble(options).start();
}

function time(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
