import { posix } from 'node:path';
import type { BuildSpec, ComposeGraph, ComposeNetwork, ComposeService, ComposeVolume } from '../compose/graph.js';
import type { PinnedImage } from './pinImages.js';

export interface PlannedService extends Omit<ComposeService, 'image' | 'build'> {
  /** `repository@sha256:...` when a lock pins the service, else the compose `image:` (null: built only). */
  image: string | null;
  /** The compose build, with `context` relative to the config file's directory (the repository root). */
  build: BuildSpec | null;
  /** What the lock says about the service, or null without a lock (or for a service the lock does not pin). */
  locked: { image: string; tag: string; digest: string; commit: string } | null;
}

export interface PlannedSuite {
  name: string;
  image: string;
  command: string[];
  /** Relative to the config file's directory; mounted read-only at /suite, the working directory. */
  directory: string | null;
  env: Record<string, string>;
  timeoutMs: number;
}

/** `lockstep stack plan --json`: the stack as data, for the Dagger module and anyone else. */
export interface StackPlan {
  apiVersion: 'lockstep/v1';
  kind: 'StackPlan';
  /** Relative to the config file's directory. */
  composeFile: string;
  lock: { file: string; id: string; integrity: string } | null;
  /** The project's default network; services name theirs in `services.<name>.networks`. */
  network: 'default';
  /** Top-level networks (`default` included when a service is on it). */
  networks: Record<string, ComposeNetwork>;
  startOrder: string[];
  services: Record<string, PlannedService>;
  volumes: Record<string, ComposeVolume>;
  /** The variables `stack test` hands every suite (`<NAME>_HOST`, `<NAME>_PORT`, `<NAME>_URL`). */
  addresses: Record<string, string>;
  suites: PlannedSuite[];
}

export interface PlanInput {
  graph: ComposeGraph;
  composeFile: string;
  pins: Record<string, PinnedImage> | null;
  lock: StackPlan['lock'];
  addresses: Record<string, string>;
  suites: PlannedSuite[];
}

export function buildStackPlan(input: PlanInput): StackPlan {
  const composeDir = posix.dirname(input.composeFile);
  const services: Record<string, PlannedService> = {};
  for (const [name, service] of Object.entries(input.graph.services)) {
    const pin = input.pins?.[name];
    services[name] = {
      ...service,
      image: pin ? pin.reference : service.image,
      build: service.build
        ? { ...service.build, context: posix.isAbsolute(service.build.context) ? service.build.context : posix.join(composeDir, service.build.context) }
        : null,
      locked: pin ? { image: pin.image, tag: pin.tag, digest: pin.digest, commit: pin.commit } : null,
    };
  }
  return {
    apiVersion: 'lockstep/v1',
    kind: 'StackPlan',
    composeFile: input.composeFile,
    lock: input.lock,
    network: 'default',
    networks: input.graph.networks,
    startOrder: input.graph.startOrder,
    services,
    volumes: input.graph.volumes,
    addresses: input.addresses,
    suites: input.suites,
  };
}
