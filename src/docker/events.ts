import type { DockerApi } from './api.js';
import { composeLabels } from './containers.js';

/**
 * The container events after which a readiness verdict may have changed: a start, an exit, a restart,
 * a health status change, and the end of a healthcheck probe (`exec_die`), whose result counts toward
 * a failing streak.
 */
const verdictEvents = ['start', 'die', 'restart', 'oom', 'destroy', 'health_status', 'exec_die'];

/**
 * Calls `onEvent` whenever a container of the compose project has such an event, read from the
 * daemon's event stream; returns the function that stops watching. A wait for the project's containers
 * re-reads them at once instead of at its next poll.
 */
export function watchProjectEvents(api: DockerApi, project: string, onEvent: () => void): () => void {
  const filters = JSON.stringify({ type: ['container'], label: [`${composeLabels.project}=${project}`], event: verdictEvents });
  const stream = api.streamLines('/events', { filters }, onEvent);
  return () => stream.close();
}
