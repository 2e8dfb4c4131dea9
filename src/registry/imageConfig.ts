/** What lockstep reads from an image config: when it was built and its labels. */
export interface ImageConfigSummary {
  /** The config's `created`, as written there, or null when absent. */
  created: string | null;
  labels: Record<string, string>;
}

/** Thrown with a problem statement; the caller adds which image it was. */
export class ImageConfigError extends Error {
  override readonly name = 'ImageConfigError';
}

/** Extracts `created` and `config.Labels` from an image config blob (OCI and Docker share the shape). */
export function summarizeImageConfig(body: Uint8Array): ImageConfigSummary {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new ImageConfigError('the image config is not valid JSON');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ImageConfigError('the image config is not a JSON object');
  const { created, config } = data as { created?: unknown; config?: unknown };
  const labels: Record<string, string> = {};
  const raw = config !== null && typeof config === 'object' ? (config as { Labels?: unknown }).Labels : undefined;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof value === 'string') labels[key] = value;
    }
  }
  return { created: typeof created === 'string' && created !== '' ? created : null, labels };
}
