import { renderTextTable, shortDigest } from '../render/table.js';
import type { StackUpResult } from '../stages/stackUp.js';
import type { StackPlan } from './plan.js';

function shortReference(reference: string): string {
  const at = reference.indexOf('@');
  return at < 0 ? reference : `${reference.slice(0, at)}@${shortDigest(reference.slice(at + 1))}`;
}

export function renderPlanText(plan: StackPlan): string {
  const rows = plan.startOrder.map((name) => {
    const service = plan.services[name]!;
    const runs = service.image ? shortReference(service.image) : `build ${service.build?.context ?? ''}`;
    const ports = [...service.expose.map(String), ...service.ports.map((port) => `${port.hostIp ? `${port.hostIp}:` : ''}${port.published ?? '*'}->${port.target}`)];
    const health = service.healthcheck === null ? 'image' : service.healthcheck.disabled ? 'none' : `every ${service.healthcheck.intervalMs / 1000} s`;
    const after = Object.entries(service.dependsOn).map(([dependency, { condition }]) => `${dependency} (${condition.replace(/^service_/, '')})`);
    return [name, runs, service.locked ? service.locked.tag : '', ports.join(' '), health, after.join(', ')];
  });
  const header = `${plan.composeFile}${plan.lock ? `, pinned to lock ${plan.lock.id} (${plan.lock.file})` : ', not pinned (no --lock)'}`;
  const suites = plan.suites.length > 0 ? `\nsuites: ${plan.suites.map((suite) => suite.name).join(', ')}` : '';
  return `${header}\n${renderTextTable({ headers: ['service', 'runs', 'tag', 'ports', 'healthcheck', 'starts after'], rows })}${suites}`;
}

export function renderUpText(result: StackUpResult): string {
  const table = renderTextTable({
    headers: ['service', 'image', 'state', 'published'],
    rows: result.services.map((service) => [service.service, shortReference(service.image), service.state, service.published.join(' ')]),
  });
  return `✔ ${result.project} is up with lock ${result.lock.id} (${(result.durationMs / 1000).toFixed(1)} s, network ${result.network})\n${table}`;
}
