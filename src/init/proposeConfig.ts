import { posix } from 'node:path';
import { stringify } from 'yaml';
import type { ComposeGraph } from '../compose/graph.js';
import { InputError } from '../errors.js';
import { imageRepository, serviceName } from '../lock/schema.js';
import type { Submodule } from './gitmodules.js';

/**
 * The `lockstep.config.yaml` `lockstep init` proposes, decided from what the repository already says:
 * one service per submodule, named after the compose service built from it (else after its folder),
 * its image from that service's `image:` with the tag dropped. Pure: the caller reads the files.
 */

export interface ProposalInput {
  submodules: Submodule[];
  compose: ComposeGraph;
  /** The compose file, relative to the repository root (posix). */
  composeFile: string;
  tagTemplate: string;
  repository?: string;
  /** Where the config schema is, for the editor modeline. */
  schemaUrl: string;
}

export interface ProposedService {
  name: string;
  path: string;
  /** The image repository, or a placeholder to replace when compose names none. */
  image: string;
  /** How the image was found: compose's `image:` of the service, or nothing (a placeholder). */
  imageFrom: 'compose' | 'placeholder';
  composeService: string | null;
}

export interface Proposal {
  services: ProposedService[];
  /** Compose services no submodule builds (databases, brokers): compose runs them as it is told. */
  unpinned: Array<{ name: string; image: string | null }>;
  text: string;
}

/** A name `.invalid` can never resolve (RFC 2606): the config validates, and nothing is ever pulled from it. */
export const placeholderRegistry = 'registry.invalid';

export function proposeConfig(input: ProposalInput): Proposal {
  const composeDir = posix.dirname(input.composeFile);
  const builtFrom = new Map<string, string>();
  for (const [name, service] of Object.entries(input.compose.services)) {
    if (service.build && !posix.isAbsolute(service.build.context)) builtFrom.set(posix.normalize(posix.join(composeDir, service.build.context)), name);
  }

  // A compose service goes with one submodule: the one its build context names, else the first of its
  // name; it keeps the compose service's name, which is how the stack finds it.
  const claimed = new Set(input.submodules.map((submodule) => builtFrom.get(posix.normalize(submodule.path))).filter((name) => name !== undefined));
  const matches = input.submodules.map((submodule) => {
    const built = builtFrom.get(posix.normalize(submodule.path));
    if (built !== undefined) return built;
    const byName = matchByName(input.compose, submodule.path);
    if (byName === undefined || claimed.has(byName)) return undefined;
    claimed.add(byName);
    return byName;
  });
  for (const name of matches) {
    if (name !== undefined && !serviceName.safeParse(name).success) {
      throw new InputError(input.composeFile, `services.${name}`, 'is built from a submodule, so lockstep pins it by this name, which must be a DNS label (lower-case letters, digits, "-")');
    }
  }
  const taken = new Set(matches.filter((name) => name !== undefined));
  const services: ProposedService[] = input.submodules.map((submodule, index) => {
    const composeService = matches[index];
    const name = composeService ?? uniqueName(posix.basename(submodule.path), taken);
    const fromCompose = composeService ? imageWithoutTag(input.compose.services[composeService]!.image) : null;
    return {
      name,
      path: submodule.path,
      image: fromCompose ?? `${placeholderRegistry}/${name}`,
      imageFrom: fromCompose ? 'compose' : 'placeholder',
      composeService: composeService ?? null,
    };
  });
  const pinned = new Set(services.map((service) => service.composeService));
  const unpinned = Object.values(input.compose.services)
    .filter((service) => !pinned.has(service.name))
    .map((service) => ({ name: service.name, image: service.image }));

  return { services, unpinned, text: render(input, services, unpinned) };
}

/** A submodule at `services/cart` goes with the compose service `cart` when no build context says so. */
function matchByName(compose: ComposeGraph, path: string): string | undefined {
  const base = posix.basename(path);
  return compose.services[base] ? base : undefined;
}

function uniqueName(raw: string, taken: Set<string>): string {
  let base = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  if (!serviceName.safeParse(base).success) base = 'service';
  let name = base;
  for (let n = 2; taken.has(name); n += 1) name = `${base.slice(0, 60)}-${n}`;
  taken.add(name);
  return name;
}

/** `ghcr.io/acme/cart:1.4` → `ghcr.io/acme/cart`; an image that is not a valid repository is not used. */
export function imageWithoutTag(image: string | null): string | null {
  if (!image) return null;
  const withoutDigest = image.split('@')[0]!;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  return imageRepository.safeParse(repository).success && repository !== '' ? repository : null;
}

function render(input: ProposalInput, services: ProposedService[], unpinned: Proposal['unpinned']): string {
  const body = stringify(
    {
      apiVersion: 'lockstep/v1',
      kind: 'Config',
      ...(input.repository ? { repository: input.repository } : {}),
      services: Object.fromEntries(services.map((service) => [service.name, { path: service.path, image: service.image, tag: input.tagTemplate }])),
      stack: { composeFile: input.composeFile, suites: [] },
      environments: {},
    },
    { lineWidth: 0 },
  );
  const placeholders = services.filter((service) => service.imageFrom === 'placeholder').map((service) => service.name);
  const header = [
    `# yaml-language-server: $schema=${input.schemaUrl}`,
    '#',
    '# Proposed by `lockstep init` from .gitmodules and the compose file. Review it, then commit it.',
    '# Each service is a git submodule; its image is what the service\'s own CI pushes, tagged by commit.',
    ...(placeholders.length > 0 ? [`# TODO: ${placeholders.join(', ')}: the compose file names no image; replace ${placeholderRegistry}/… with the image repository.`] : []),
    ...(unpinned.length > 0 ? [`# Not pinned (no submodule builds them; compose runs them as written): ${unpinned.map((service) => service.name).join(', ')}.`] : []),
    '',
  ];
  const environments = [
    '# TODO: the environments the pipeline deploys to, e.g.',
    '#   staging:',
    '#     protected: true',
    '#     target: { type: kubernetes, namespace: shop-staging }',
    '#   production:',
    '#     protected: true',
    '#     target: { type: kubernetes, namespace: shop }',
    '# See the configuration reference (docs/configuration.md) for compose, kubernetes, helm-values and ECS targets.',
  ];
  const suites = ['# The test suites run against the whole stack on every dev -> staging pull request, e.g.', '#   - { name: integration, directory: tests, command: [npm, test] }'];
  const lines = body.split('\n').flatMap((line) => {
    if (line === 'environments: {}') return [...environments, line];
    if (line === '  suites: []') return suites.map((comment) => `  ${comment}`).concat(line);
    return [line];
  });
  return `${header.join('\n')}${lines.join('\n')}`;
}
