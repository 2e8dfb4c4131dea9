/** Compose durations are Go durations: `1m30s`, `2s`, `1.5s`, `500ms`, `10us`, `1h`. */
const unitsMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/** Returns whole milliseconds (rounded up, so a non-zero duration never becomes 0), or null when invalid. */
export function parseComposeDuration(text: string): number | null {
  if (!/^(?:[0-9]+(?:\.[0-9]+)?(?:h|ms|m|s|us|µs|ns))+$/.test(text)) return text === '0' ? 0 : null;
  let total = 0;
  for (const match of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(match[1]) * unitsMs[match[2]!]!;
  }
  return Math.ceil(total);
}
