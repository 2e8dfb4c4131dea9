import { z } from 'zod';

// Owned by the environment stages (health, deploy, e2e, smoke, release, rollback).
export const environmentsConfig = z
  .record(z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label'), z.looseObject({}))
  .default({})
  .describe('Deploy targets and their checks, by environment name.');

export type EnvironmentsConfig = z.output<typeof environmentsConfig>;
