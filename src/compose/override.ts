import { parse, stringify } from 'yaml';

export interface ServiceOverride {
  /** `repository@sha256:...` */
  image: string;
  labels?: Record<string, string>;
}

export interface MigrationOverride {
  image: string;
  command: string[];
  env: Record<string, string>;
  /** Variable names passed through from lockstep's own environment: their values never reach the file. */
  passEnv: string[];
}

export const migrationService = 'lockstep-migration';

/**
 * The compose overrides lockstep writes, as updaters: content in (the override as it stands, '' for
 * a new one), content out. Never an edit of the user's files: compose merges an override over them
 * with one more -f, and every key lockstep does not set stays as those files say.
 */
export function pinServices(content: string, services: Record<string, ServiceOverride>, header: readonly string[]): string {
  const entries = Object.entries(services).map(([name, service]): [string, Record<string, unknown>] => {
    const labels = Object.entries(service.labels ?? {}).map(([key, value]) => [key, escapeDollars(value)] as const);
    return [name, labels.length > 0 ? { image: service.image, labels: Object.fromEntries(labels) } : { image: service.image }];
  });
  return render(header, { ...readServices(content), ...Object.fromEntries(entries) });
}

/** Adds the one-off migration service to the project, on its default network, with no dependencies of its own. */
export function addMigrationService(content: string, migration: MigrationOverride, header: readonly string[]): string {
  const environment = [...Object.entries(migration.env).map(([name, value]) => `${name}=${value}`), ...migration.passEnv];
  const service: Record<string, unknown> = { image: migration.image, command: migration.command.map(escapeDollars) };
  if (environment.length > 0) service.environment = environment.map(escapeDollars);
  return render(header, { ...readServices(content), [migrationService]: service });
}

function readServices(content: string): Record<string, unknown> {
  const document = content.trim() === '' ? null : (parse(content) as { services?: Record<string, unknown> } | null);
  return { ...document?.services };
}

/** Services and their keys sorted, so the same pins always give the same bytes. */
function render(header: readonly string[], services: Record<string, unknown>): string {
  const sorted = (value: unknown): unknown =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([key, item]) => [key, sorted(item)]),
        )
      : value;
  const comments = header.map((line) => `# ${line}`.trimEnd()).join('\n');
  return `${comments}${comments ? '\n' : ''}${stringify({ services: sorted(services) }, { lineWidth: 0, indent: 2 })}`;
}

/** Compose interpolates `$` in every value, so literal dollars are doubled to arrive unchanged. */
function escapeDollars(value: string): string {
  return value.replace(/\$/g, '$$$$');
}
