/**
 * Kubernetes resource quantities (`500m`, `2Gi`, `1e3`): as plain numbers for display, and exactly as
 * integers of nano-units (`exactQuantity`) for comparisons, where floating point would call 3600m of
 * 4 less than 10% free.
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

const exactSuffixes: Record<string, [bigint, number]> = {
  '': [1n, 0],
  n: [1n, -9],
  u: [1n, -6],
  m: [1n, -3],
  k: [1n, 3],
  M: [1n, 6],
  G: [1n, 9],
  T: [1n, 12],
  P: [1n, 15],
  E: [1n, 18],
  Ki: [2n ** 10n, 0],
  Mi: [2n ** 20n, 0],
  Gi: [2n ** 30n, 0],
  Ti: [2n ** 40n, 0],
  Pi: [2n ** 50n, 0],
  Ei: [2n ** 60n, 0],
};

/**
 * A quantity in nano-units as a bigint (`500m` → 500000000n), rounded up below a nano-unit as the API
 * server rounds; null when the text is not a quantity.
 */
export function exactQuantity(text: string | number | undefined | null): bigint | null {
  const value = typeof text === 'number' ? String(text) : text;
  if (typeof value !== 'string') return null;
  const match = quantityPattern.exec(value.trim());
  if (!match) return null;
  const [whole = '', fraction = ''] = match[1]!.replace(/^[+-]/, '').split('.');
  const negative = match[1]!.startsWith('-');
  let mantissa = BigInt(`${whole || '0'}${fraction}`);
  let exponent = -fraction.length + 9;
  let factor = 1n;
  if (match[2]) exponent += Number(match[2].slice(1));
  else {
    const [binary, decimal] = exactSuffixes[match[3] ?? '']!;
    factor = binary;
    exponent += decimal;
  }
  mantissa *= factor;
  if (exponent >= 0) mantissa *= 10n ** BigInt(exponent);
  else {
    const divisor = 10n ** BigInt(-exponent);
    mantissa = (mantissa + divisor - 1n) / divisor;
  }
  return negative ? -mantissa : mantissa;
}
