import type { ComposeGraph } from '../compose/graph.js';
import type { ServiceExpectation } from '../docker/readiness.js';

/**
 * What `stack up` waits for, in start order: every service of the graph running (healthy), and
 * exited 0 for one another service waits to complete (`service_completed_successfully`).
 */
export function stackExpectations(graph: ComposeGraph): ServiceExpectation[] {
  const oneShot = new Set(
    Object.values(graph.services).flatMap((service) =>
      Object.entries(service.dependsOn)
        .filter(([, dependency]) => dependency.condition === 'service_completed_successfully')
        .map(([name]) => name),
    ),
  );
  return graph.startOrder.map((service) => ({ service, oneShot: oneShot.has(service) }));
}
