import { LockstepError } from '../../../../errors.js';

/**
 * The few calls lockstep makes to the Argo CD API server (`/api/v1/applications`), the same REST API
 * `argocd app get|sync|wait` use. The API server rather than the Application resources: Argo CD often
 * runs in a management cluster other than the one the services run in, its own RBAC (projects, tokens
 * of a CI account) governs who may sync, and a sync is an API call instead of a hand-written
 * `.operation` on the resource, an internal interface of the application controller.
 */

/** The parts of v1alpha1Application lockstep reads. */
export interface ArgoApplication {
  metadata?: { name?: string; namespace?: string };
  spec?: { project?: string; syncPolicy?: { automated?: { enabled?: boolean; selfHeal?: boolean } } };
  status?: {
    sync?: { status?: string; revision?: string; revisions?: string[] };
    health?: { status?: string; message?: string };
    conditions?: Array<{ type?: string; message?: string; lastTransitionTime?: string }>;
    operationState?: {
      phase?: string;
      message?: string;
      startedAt?: string;
      finishedAt?: string;
      operation?: { sync?: { revision?: string } };
      syncResult?: { revision?: string; resources?: Array<{ kind?: string; name?: string; status?: string; message?: string; hookPhase?: string }> };
    };
    resources?: Array<{ kind?: string; name?: string; namespace?: string; status?: string; health?: { status?: string; message?: string } }>;
  };
}

export interface ArgoCdSettings {
  server: string;
  application: string;
  /** The namespace of the Application when Argo CD serves applications in any namespace. */
  appNamespace?: string;
  token: string;
  /** Timeout of one request: a GET answers in milliseconds; a sync only queues the operation. */
  requestTimeoutMs: number;
}

export class ArgoCdApiError extends LockstepError {
  constructor(
    message: string,
    readonly status: number | null,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super('DEPLOY_FAILED', message, options);
  }
}

export class ArgoCdApi {
  private readonly base: string;

  constructor(private readonly settings: ArgoCdSettings) {
    this.base = settings.server.replace(/\/+$/, '');
  }

  get application(): string {
    return this.settings.application;
  }

  /** The application as the API server has it; `refresh` asks Argo CD to compare with git first. */
  getApplication(refresh = false): Promise<ArgoApplication> {
    const query = new URLSearchParams();
    if (refresh) query.set('refresh', 'normal');
    if (this.settings.appNamespace) query.set('appNamespace', this.settings.appNamespace);
    const suffix = query.size > 0 ? `?${query}` : '';
    return this.call('GET', `/api/v1/applications/${encodeURIComponent(this.settings.application)}${suffix}`);
  }

  /** Starts a sync to `revision` (what `argocd app sync --revision` does); returns once it is queued. */
  sync(revision: string): Promise<ArgoApplication> {
    const body = { name: this.settings.application, revision, prune: false, ...(this.settings.appNamespace ? { appNamespace: this.settings.appNamespace } : {}) };
    return this.call('POST', `/api/v1/applications/${encodeURIComponent(this.settings.application)}/sync`, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const what = `${method === 'GET' ? 'read' : 'sync'} Argo CD application ${this.settings.application}`;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        // The token goes to this server only: a redirect elsewhere is an error, not a hop with the token.
        redirect: 'error',
        headers: { authorization: `Bearer ${this.settings.token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${this.settings.requestTimeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new ArgoCdApiError(`${what}: cannot reach ${this.base}: ${reason}`, null, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // Not the runtimeError JSON: the text as it came.
      }
      const hint =
        response.status === 401
          ? 'the token in the variable named by argocd.tokenEnv is missing, expired or revoked'
          : response.status === 403 || response.status === 404
            ? `Argo CD answers 403/404 alike when the token's account may not see the application: it needs applications, get (and sync) on ${this.settings.application}`
            : undefined;
      throw new ArgoCdApiError(`${what}: ${response.status}: ${message}`, response.status, { hint });
    }
    return JSON.parse(text) as T;
  }
}
