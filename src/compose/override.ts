import { stringify } from 'yaml';

export interface OverrideService {
  /** `repository@sha256:...` */
  reference: string;
  labels: Record<string, string>;
}

/**
 * The compose override `stack up` generates: only `image:` (by digest) and labels per locked service.
 * Content out, never an edit of the user's file; compose merges it over the original with a second -f.
 */
export function renderImageOverride(services: Record<string, OverrideService>, header: string[]): string {
  const document = {
    services: Object.fromEntries(
      Object.keys(services)
        .sort()
        .map((name) => {
          const service = services[name]!;
          const labels = Object.fromEntries(Object.entries(service.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
          return [name, { image: service.reference, ...(Object.keys(labels).length > 0 ? { labels } : {}) }];
        }),
    ),
  };
  const comments = header.map((line) => `# ${line}`.trimEnd()).join('\n');
  return `${comments}${comments ? '\n' : ''}${stringify(document, { lineWidth: 0, indent: 2 })}`;
}
