import { exactQuantity } from './quantity.js';

/**
 * The cluster-side health gate as pure decisions over what the API returned: enough Ready nodes, and
 * enough headroom left in every ResourceQuota of the namespace.
 */

export interface NodeLike {
  metadata?: { name?: string };
  spec?: { unschedulable?: boolean };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string }> };
}

export interface QuotaLike {
  metadata?: { name?: string };
  spec?: {
    scopes?: string[];
    scopeSelector?: { matchExpressions?: Array<{ scopeName?: string; operator?: string; values?: string[] }> };
  };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/** What decides whether a scoped quota counts the pods of a rollout. */
export interface PodShape {
  /** No requests or limits in any container: the BestEffort QoS class. */
  bestEffort: boolean;
  /** activeDeadlineSeconds set: Terminating. Deployment pods normally are not. */
  terminating: boolean;
  priorityClassName: string | null;
}

/**
 * Whether a quota constrains any of these pods: every scope (scopes and scopeSelector) must match, as
 * the quota admission plugin checks. Without pods to match, every quota counts.
 */
export function quotaApplies(quota: QuotaLike, pods: PodShape[] | null): boolean {
  if (!pods || pods.length === 0) return true;
  const scopes = [
    ...(quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists', values: [] as string[] })),
    ...(quota.spec?.scopeSelector?.matchExpressions ?? []).map((expression) => ({ scopeName: expression.scopeName ?? '', operator: expression.operator ?? 'Exists', values: expression.values ?? [] })),
  ];
  const matches = (pod: PodShape, scope: { scopeName: string; operator: string; values: string[] }): boolean => {
    switch (scope.scopeName) {
      case 'BestEffort':
        return pod.bestEffort;
      case 'NotBestEffort':
        return !pod.bestEffort;
      case 'Terminating':
        return pod.terminating;
      case 'NotTerminating':
        return !pod.terminating;
      case 'PriorityClass': {
        const name = pod.priorityClassName;
        if (scope.operator === 'Exists') return name !== null;
        if (scope.operator === 'DoesNotExist') return name === null;
        if (scope.operator === 'In') return name !== null && scope.values.includes(name);
        if (scope.operator === 'NotIn') return name === null || !scope.values.includes(name);
        return true;
      }
      default:
        // CrossNamespacePodAffinity and scopes to come: counted, to err on the side of the gate.
        return true;
    }
  };
  return pods.some((pod) => scopes.every((scope) => matches(pod, scope)));
}

export interface GateVerdict {
  ok: boolean;
  detail: string;
}

export function evaluateNodes(nodes: NodeLike[], minReady: number): GateVerdict {
  const usable = (node: NodeLike) =>
    !node.spec?.unschedulable && node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true;
  const ready = nodes.filter(usable);
  const notReady = nodes.filter((node) => !usable(node)).map((node) => node.metadata?.name ?? '?');
  const shown = notReady.slice(0, 5).join(', ') + (notReady.length > 5 ? `, +${notReady.length - 5} more` : '');
  return {
    ok: ready.length >= minReady,
    detail: `${ready.length} of ${nodes.length} nodes Ready and schedulable (need ${minReady})${notReady.length > 0 ? `; not: ${shown}` : ''}`,
  };
}

interface Usage {
  quota: string;
  resource: string;
  hard: string;
  used: string;
  /** For display only; the floor is checked in integers. */
  headroomPercent: number;
  /** (hard - used) * 100000 and hard: exact, so a floor of 10% is met by 3600m of 4. */
  free: bigint;
  total: bigint;
}

/**
 * Every resource of every quota must keep `minHeadroomPercent` of its hard limit unused. A hard limit
 * of 0 forbids a resource outright (no load balancers, say): it is a rule, not a capacity, and is skipped.
 */
export function evaluateQuotas(quotas: QuotaLike[], minHeadroomPercent: number, namespace: string, pods: PodShape[] | null = null): GateVerdict {
  const usages: Usage[] = [];
  const unreadable: string[] = [];
  for (const quota of quotas.filter((candidate) => quotaApplies(candidate, pods))) {
    const name = quota.metadata?.name ?? '?';
    for (const [resource, hardText] of Object.entries(quota.status?.hard ?? {})) {
      const usedText = quota.status?.used?.[resource] ?? '0';
      const hard = exactQuantity(hardText);
      const used = exactQuantity(usedText);
      if (hard === null || used === null) {
        unreadable.push(`${name}/${resource}`);
        continue;
      }
      if (hard <= 0n) continue;
      const free = hard > used ? hard - used : 0n;
      usages.push({ quota: name, resource, hard: hardText, used: usedText, headroomPercent: Number((free * 1_000_000n) / hard) / 10_000, free: free * 100_000n, total: hard });
    }
  }
  if (unreadable.length > 0) return { ok: false, detail: `cannot read the quantities of ${unreadable.join(', ')}` };
  if (usages.length === 0) return { ok: true, detail: `no ResourceQuota limits in namespace ${namespace}` };
  const describe = (usage: Usage) =>
    `${usage.quota}/${usage.resource} ${usage.used} of ${usage.hard} used (${formatPercent(usage.headroomPercent)} headroom)`;
  // The floor in thousandths of a percent: free * 100 * 1000 >= floor * 1000 * hard, all integers.
  const floor = BigInt(Math.round(minHeadroomPercent * 1000));
  const short = usages.filter((usage) => usage.free < floor * usage.total).sort((a, b) => a.headroomPercent - b.headroomPercent);
  if (short.length > 0) return { ok: false, detail: `below the ${formatPercent(minHeadroomPercent)} floor: ${short.map(describe).join('; ')}` };
  const tightest = [...usages].sort((a, b) => a.headroomPercent - b.headroomPercent)[0]!;
  return { ok: true, detail: `tightest: ${describe(tightest)}, floor ${formatPercent(minHeadroomPercent)}` };
}

function formatPercent(value: number): string {
  return `${Number(value.toFixed(1))}%`;
}
