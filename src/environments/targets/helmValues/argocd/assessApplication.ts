import type { ArgoApplication } from './argoCdApi.js';

/**
 * Whether an Argo CD application runs a revision, judged as `argocd app wait --sync --health` judges
 * it: sync status Synced at that revision and health Healthy. Failure is declared only when it is
 * certain: the sync operation for that revision ended Failed or Error, or the application is Synced
 * there and its health is Degraded (a Deployment past its progress deadline, a failing hook).
 */

export type ApplicationState = 'healthy' | 'waiting' | 'failed';

export interface ApplicationAssessment {
  state: ApplicationState;
  /** One line for people. */
  detail: string;
  /** The application's own conditions and what failed, for the error. */
  reasons: string[];
}

/** `revisionReached(seen)`: whether the revision Argo CD reports includes the commit waited for. */
export function assessApplication(app: ArgoApplication, revisionReached: (revision: string) => boolean): ApplicationAssessment {
  const status = app.status ?? {};
  const sync = status.sync?.status ?? 'Unknown';
  const synced = status.sync?.revision ?? '';
  const health = status.health?.status ?? 'Unknown';
  const operation = status.operationState;
  const reasons = [
    ...(status.conditions ?? []).map((condition) => `${condition.type ?? 'Condition'}: ${condition.message ?? ''}`.trim()),
    ...(operation?.syncResult?.resources ?? [])
      .filter((resource) => resource.status === 'SyncFailed' || resource.hookPhase === 'Failed' || resource.hookPhase === 'Error')
      .map((resource) => `${resource.kind ?? '?'}/${resource.name ?? '?'}: ${resource.message ?? resource.status ?? ''}`),
    ...(status.resources ?? [])
      .filter((resource) => resource.health?.status === 'Degraded')
      .map((resource) => `${resource.kind ?? '?'}/${resource.name ?? '?'} Degraded${resource.health?.message ? `: ${resource.health.message}` : ''}`),
  ];
  const at = synced ? ` at ${synced.slice(0, 7)}` : '';
  const operationRevision = operation?.syncResult?.revision ?? operation?.operation?.sync?.revision ?? '';
  if ((operation?.phase === 'Failed' || operation?.phase === 'Error') && operationRevision && revisionReached(operationRevision)) {
    return { state: 'failed', detail: `the sync to ${operationRevision.slice(0, 7)} ended ${operation.phase}${operation.message ? `: ${operation.message}` : ''}`, reasons };
  }
  const reached = synced !== '' && revisionReached(synced);
  if (reached && sync === 'Synced' && health === 'Degraded') {
    return { state: 'failed', detail: `Synced${at} but Degraded${status.health?.message ? `: ${status.health.message}` : ''}`, reasons };
  }
  if (reached && sync === 'Synced' && health === 'Healthy') return { state: 'healthy', detail: `Synced and Healthy${at}`, reasons: [] };
  const operating = operation?.phase === 'Running' ? `, sync ${operation.phase}` : '';
  return { state: 'waiting', detail: `${sync}${at}, ${health}${operating}`, reasons };
}

/** A manual application (no automated sync policy, or one turned off) needs lockstep to start the sync. */
export function syncIsManual(app: ArgoApplication): boolean {
  const automated = app.spec?.syncPolicy?.automated;
  return !automated || automated.enabled === false;
}
