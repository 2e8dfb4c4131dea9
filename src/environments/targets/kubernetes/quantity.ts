/**
 * Kubernetes resource quantities (`500m`, `2Gi`, `1e3`) as plain numbers. Quota headroom is a ratio of
 * two quantities of the same resource, so double precision is ample.
 */
const suffixes: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const quantityPattern = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** The value of a quantity, or NaN when the text is not one. */
export function parseQuantity(text: string | number | undefined | null): number {
  if (typeof text === 'number') return text;
  if (typeof text !== 'string') return Number.NaN;
  const match = quantityPattern.exec(text.trim());
  if (!match) return Number.NaN;
  const base = Number(match[1]);
  if (match[2]) return Number(`${match[1]}${match[2]}`);
  return base * (suffixes[match[3] ?? ''] ?? Number.NaN);
}
