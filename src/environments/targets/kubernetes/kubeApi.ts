import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  Health,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Deployment,
  type V1Lease,
  type CoreV1Event,
  type V1Node,
  type V1Pod,
  type V1ReplicaSet,
  type V1ResourceQuota,
} from '@kubernetes/client-node';
import { InputError, LockstepError } from '../../../errors.js';
import { fieldManager } from './records.js';

/**
 * The thin I/O layer over @kubernetes/client-node: one method per API call lockstep makes, every
 * failure turned into a LockstepError naming the call, and a timeout on each so a hung API server
 * fails the deploy instead of stalling it. Writes ask for `fieldValidation=Strict`, so a field the
 * server does not know is an error rather than silently dropped.
 */

export class KubeApiError extends LockstepError {
  readonly status: number | null;
  constructor(message: string, status: number | null, options: { details?: string[]; hint?: string; cause?: unknown } = {}) {
    super('KUBERNETES', message, options);
    this.status = status;
  }
}

export interface KubeconfigSettings {
  kubeconfig?: string;
  context?: string;
}

export interface KubeconfigOrigin {
  /** The lockstep config file, named in errors about these settings. */
  configFile: string;
  /** `environments.<env>.target` */
  field: string;
  /** Where a relative kubeconfig path is resolved from. */
  baseDir: string;
}

export function loadKubeConfig(settings: KubeconfigSettings, origin: KubeconfigOrigin): KubeConfig {
  const kubeConfig = new KubeConfig();
  const file = kubeconfigPath(settings.kubeconfig, origin.baseDir);
  try {
    if (file) kubeConfig.loadFromFile(file);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new InputError(file ?? 'kubeconfig', undefined, `cannot be loaded: ${(error as Error).message.split('\n')[0]}`);
  }
  if (settings.context !== undefined) {
    if (!kubeConfig.getContextObject(settings.context)) {
      const known = kubeConfig.getContexts().map((context) => context.name);
      throw new InputError(origin.configFile, `${origin.field}.context`, `no context ${settings.context} in ${file ?? 'the kubeconfig'} (it has ${known.join(', ') || 'none'})`);
    }
    kubeConfig.setCurrentContext(settings.context);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new InputError(origin.configFile, `${origin.field}.context`, `the kubeconfig ${file ?? ''} names no cluster for context ${kubeConfig.getCurrentContext() || '(none)'}`);
  }
  return kubeConfig;
}

/** `~/` is the home directory as in a shell; other relative paths are relative to the config file. */
function kubeconfigPath(path: string | undefined, baseDir: string): string | undefined {
  if (path === undefined) return undefined;
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const writeOptions = { fieldManager, fieldValidation: 'Strict' };

export class KubeApi {
  readonly server: string;
  readonly context: string;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly health: Health;

  private readonly timeoutMs: number;
  private readonly healthTimeoutMs: number;
  private readonly exec: { command: string; args: string[]; installHint?: string } | null;
  /** Until one call succeeded, the credentials may still have to come from an exec plugin (cloud CLIs take seconds). */
  private credentialsReady = false;

  /**
   * `timeoutMs` bounds an API call; `healthTimeoutMs` the readiness probe of the health gate. The first
   * call of a kubeconfig user with an exec plugin also runs the plugin (aws, gcloud, kubelogin), so it
   * gets at least a minute.
   */
  constructor(kubeConfig: KubeConfig, timeouts: { timeoutMs?: number; healthTimeoutMs?: number } = {}) {
    this.timeoutMs = timeouts.timeoutMs ?? 30_000;
    this.healthTimeoutMs = timeouts.healthTimeoutMs ?? 5_000;
    const exec = kubeConfig.getCurrentUser()?.exec as { command?: string; args?: string[]; installHint?: string } | undefined;
    this.exec = exec?.command ? { command: exec.command, args: exec.args ?? [], installHint: exec.installHint } : null;
    this.server = kubeConfig.getCurrentCluster()?.server ?? '(no server)';
    this.context = kubeConfig.getCurrentContext();
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.coordination = kubeConfig.makeApiClient(CoordinationV1Api);
    this.health = new Health(kubeConfig);
  }

  async readyz(): Promise<boolean> {
    try {
      return await this.call('GET /readyz', (signal) => this.health.readyz({ signal }), this.healthTimeoutMs);
    } catch (error) {
      // The client's probe hides why it failed ("Error occurred in health request"); an API call through
      // the same transport and credentials says it (a TLS error, a missing credential plugin).
      if (!(error instanceof KubeApiError) || !/Error occurred in health request/.test(error.message)) throw error;
      await this.call('GET /readyz', () => this.apps.getAPIResources(), this.healthTimeoutMs);
      throw error;
    }
  }

  readDeployment(namespace: string, name: string): Promise<V1Deployment | null> {
    return this.orNull(this.call(`read deployment ${namespace}/${name}`, () => this.apps.readNamespacedDeployment({ name, namespace })));
  }

  patchDeployment(namespace: string, name: string, patch: object): Promise<V1Deployment> {
    return this.call(`patch deployment ${namespace}/${name}`, () =>
      this.apps.patchNamespacedDeployment({ name, namespace, body: patch, ...writeOptions }, strategicMerge),
    );
  }

  async listReplicaSets(namespace: string, labelSelector: string): Promise<V1ReplicaSet[]> {
    return (await this.call(`list replicasets in ${namespace}`, () => this.apps.listNamespacedReplicaSet({ namespace, labelSelector }))).items;
  }

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (await this.call(`list pods in ${namespace}`, () => this.core.listNamespacedPod({ namespace, labelSelector }))).items;
  }

  async listEvents(namespace: string, fieldSelector: string): Promise<CoreV1Event[]> {
    return (await this.call(`list events in ${namespace}`, () => this.core.listNamespacedEvent({ namespace, fieldSelector }))).items;
  }

  async listNodes(): Promise<V1Node[]> {
    return (await this.call('list nodes', () => this.core.listNode())).items;
  }

  async listResourceQuotas(namespace: string): Promise<V1ResourceQuota[]> {
    return (await this.call(`list resourcequotas in ${namespace}`, () => this.core.listNamespacedResourceQuota({ namespace }))).items;
  }

  readConfigMap(namespace: string, name: string): Promise<V1ConfigMap | null> {
    return this.orNull(this.call(`read configmap ${namespace}/${name}`, () => this.core.readNamespacedConfigMap({ name, namespace })));
  }

  createConfigMap(namespace: string, body: V1ConfigMap): Promise<V1ConfigMap> {
    return this.call(`create configmap ${namespace}/${body.metadata?.name}`, () => this.core.createNamespacedConfigMap({ namespace, body, ...writeOptions }));
  }

  replaceConfigMap(namespace: string, body: V1ConfigMap): Promise<V1ConfigMap> {
    const name = body.metadata?.name ?? '';
    return this.call(`replace configmap ${namespace}/${name}`, () => this.core.replaceNamespacedConfigMap({ name, namespace, body, ...writeOptions }));
  }

  async deleteConfigMap(namespace: string, name: string): Promise<void> {
    await this.orNull(this.call(`delete configmap ${namespace}/${name}`, () => this.core.deleteNamespacedConfigMap({ name, namespace })));
  }

  readLease(namespace: string, name: string): Promise<V1Lease | null> {
    return this.orNull(this.call(`read lease ${namespace}/${name}`, () => this.coordination.readNamespacedLease({ name, namespace })));
  }

  createLease(namespace: string, body: V1Lease): Promise<V1Lease> {
    return this.call(`create lease ${namespace}/${body.metadata?.name}`, () => this.coordination.createNamespacedLease({ namespace, body, ...writeOptions }));
  }

  replaceLease(namespace: string, body: V1Lease): Promise<V1Lease> {
    const name = body.metadata?.name ?? '';
    return this.call(`replace lease ${namespace}/${name}`, () => this.coordination.replaceNamespacedLease({ name, namespace, body, ...writeOptions }));
  }

  /** Deletes only the version that was read: a lease someone else took in between stays. */
  async deleteLease(namespace: string, name: string, resourceVersion: string): Promise<void> {
    await this.call(`delete lease ${namespace}/${name}`, () =>
      this.coordination.deleteNamespacedLease({ name, namespace, body: { preconditions: { resourceVersion } } }),
    );
  }

  private async orNull<T>(promise: Promise<T>): Promise<T | null> {
    try {
      return await promise;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return null;
      throw error;
    }
  }

  private async call<T>(what: string, request: (signal: AbortSignal) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const limit = this.exec && !this.credentialsReady ? Math.max(timeoutMs, 60_000) : timeoutMs;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new KubeApiError(`${what}: no answer from ${this.server} within ${limit} ms`, null));
      }, limit);
    });
    try {
      const result = await Promise.race([request(controller.signal), timeout]);
      this.credentialsReady = true;
      return result;
    } catch (error) {
      throw this.explain(what, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private explain(what: string, error: unknown): LockstepError {
    if (error instanceof LockstepError) return error;
    if (error instanceof ApiException) {
      const status = statusBody(error.body);
      const reasonWord = status?.reason ?? (error.code === 401 ? 'Unauthorized' : error.code === 403 ? 'Forbidden' : undefined);
      const reason = status?.message ?? (typeof error.body === 'string' && error.body ? error.body.slice(0, 200) : error.code === 401 ? 'the credentials were refused' : error.message.split('\n')[0]);
      const hint =
        error.code === 401
          ? `the kubeconfig user's credentials for ${this.server} were refused: renew the token (exec plugin, OIDC and cloud tokens expire) or the client certificate`
          : error.code === 403
            ? 'lockstep needs get/list/patch on deployments, list on replicasets, pods and events, list on nodes and resourcequotas, and get/create/update/delete on configmaps and leases'
            : undefined;
      return new KubeApiError(`${what}: ${error.code}${reasonWord ? ` ${reasonWord}` : ''}: ${reason}`, error.code, { hint, cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    const failure = error as { code?: string; path?: string; cause?: { code?: string; message?: string } } | undefined;
    if (failure?.code === 'ENOENT' && message.startsWith('spawn ')) {
      const command = this.exec?.command ?? failure.path ?? message.split(' ')[1];
      return new KubeApiError(`${what}: the kubeconfig user's credential plugin ${command} is not installed or not on PATH`, null, {
        hint: this.exec?.installHint?.trim() || `install ${command}, or use a kubeconfig user that does not need it`,
        cause: error,
      });
    }
    if (this.exec && !this.credentialsReady && error instanceof Error && error.constructor === Error && !/request to|fetch/i.test(message)) {
      const said = message.trim().split('\n').slice(-3).join(' ') || 'it exited with an error and printed nothing';
      return new KubeApiError(`${what}: the kubeconfig user's credential plugin ${this.exec.command} failed: ${said}`, null, {
        hint: `run it by hand to see why: ${[this.exec.command, ...this.exec.args].join(' ')}`,
        cause: error,
      });
    }
    const tls = /cert|self[- ]signed|SSL|TLS|ERR_TLS/i.test(`${failure?.code ?? ''} ${failure?.cause?.code ?? ''} ${message}`);
    if (tls) {
      return new KubeApiError(`${what}: TLS with ${this.server} failed: ${message.replace(/^request to \S+ failed, reason: /, '').split('\n')[0]}`, null, {
        hint: "the kubeconfig cluster's certificate-authority(-data) must hold the CA that signed the API server's certificate",
        cause: error,
      });
    }
    return new KubeApiError(`${what}: cannot reach ${this.server}: ${message.split('\n')[0]}`, null, { cause: error });
  }
}

function statusBody(body: unknown): { message?: string; reason?: string } | null {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return null;
    }
  }
  if (parsed && typeof parsed === 'object' && (parsed as { kind?: string }).kind === 'Status') return parsed as { message?: string; reason?: string };
  return null;
}
