import { parseQuantity } from './quantity.js';

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
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
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
  headroomPercent: number;
}

/**
 * Every resource of every quota must keep `minHeadroomPercent` of its hard limit unused. A hard limit
 * of 0 forbids a resource outright (no load balancers, say): it is a rule, not a capacity, and is skipped.
 */
export function evaluateQuotas(quotas: QuotaLike[], minHeadroomPercent: number, namespace: string): GateVerdict {
  const usages: Usage[] = [];
  const unreadable: string[] = [];
  for (const quota of quotas) {
    const name = quota.metadata?.name ?? '?';
    for (const [resource, hardText] of Object.entries(quota.status?.hard ?? {})) {
      const usedText = quota.status?.used?.[resource] ?? '0';
      const hard = parseQuantity(hardText);
      const used = parseQuantity(usedText);
      if (Number.isNaN(hard) || Number.isNaN(used)) {
        unreadable.push(`${name}/${resource}`);
        continue;
      }
      if (hard <= 0) continue;
      usages.push({ quota: name, resource, hard: hardText, used: usedText, headroomPercent: Math.max(0, ((hard - used) / hard) * 100) });
    }
  }
  if (unreadable.length > 0) return { ok: false, detail: `cannot read the quantities of ${unreadable.join(', ')}` };
  if (usages.length === 0) return { ok: true, detail: `no ResourceQuota limits in namespace ${namespace}` };
  const describe = (usage: Usage) =>
    `${usage.quota}/${usage.resource} ${usage.used} of ${usage.hard} used (${formatPercent(usage.headroomPercent)} headroom)`;
  const short = usages.filter((usage) => usage.headroomPercent < minHeadroomPercent).sort((a, b) => a.headroomPercent - b.headroomPercent);
  if (short.length > 0) return { ok: false, detail: `below the ${formatPercent(minHeadroomPercent)} floor: ${short.map(describe).join('; ')}` };
  const tightest = [...usages].sort((a, b) => a.headroomPercent - b.headroomPercent)[0]!;
  return { ok: true, detail: `tightest: ${describe(tightest)}, floor ${formatPercent(minHeadroomPercent)}` };
}

function formatPercent(value: number): string {
  return `${Number(value.toFixed(1))}%`;
}
