import { z } from 'zod';
import { imageRepository, serviceName } from '../lock/schema.js';
import { normalizeRepository } from '../registry/reference.js';

export const tagTemplate = z
  .string()
  .min(1)
  .refine((value) => /^[A-Za-z0-9_.{}-]+$/.test(value), 'may hold only tag characters and {commit} / {shortCommit}')
  .refine(
    (value) => [...value.matchAll(/\{([^}]*)\}/g)].every((match) => match[1] === 'commit' || match[1] === 'shortCommit'),
    'knows only the placeholders {commit} and {shortCommit}',
  );

export const serviceConfig = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .refine((value) => !value.startsWith('/') && !value.split('/').includes('..'), 'must be a relative path inside the repository')
      .describe('The submodule path in the orchestrator repository.'),
    image: imageRepository
      // The lock records the canonical name (`nginx` → `docker.io/library/nginx`), which must fit too.
      .refine((value) => normalizeRepository(value).length <= 255, 'is too long once Docker Hub names are written in full (docker.io/library/…)')
      .describe('The image repository (no tag, no digest); Docker Hub names may be short (`nginx`, `acme/app`).'),
    tag: tagTemplate.default('sha-{shortCommit}').describe('How the image tag is derived from the commit.'),
  })
  .describe('A microservice pinned as a git submodule.');

export const servicesConfig = z
  .record(serviceName, serviceConfig)
  .refine((services) => Object.keys(services).length > 0, 'must name at least one service')
  .describe('The microservices, by name (the compose service name).');

export const registryConfig = z
  .strictObject({
    insecure: z
      .array(z.string().min(1))
      .default([])
      .describe('Registry hosts (host:port) reached over plain http; loopback hosts always are.'),
    concurrency: z.number().int().min(1).max(64).default(16).describe('Registry requests in flight at once.'),
    timeoutMs: z.number().int().min(100).max(300_000).default(15_000).describe('Timeout of one registry request.'),
    retries: z.number().int().min(0).max(10).default(4).describe('Retries on 429, 5xx and timeouts, with exponential backoff.'),
  })
  .describe('How lockstep talks to OCI registries.');

export type ServiceConfig = z.output<typeof serviceConfig>;
export type RegistryConfig = z.output<typeof registryConfig>;
