import type { Command } from 'commander';
import { z } from 'zod';
import { buildProgram } from '../cli/program.js';
import { lockstepConfig } from '../config/schema.js';
import { releaseLock } from '../lock/schema.js';
import { renderCliReference, renderCliSummary } from './cliReference.js';
import { renderReference, schemaRows } from './configReference.js';
import { replaceSection } from './readmeSections.js';

/**
 * Files derived from the zod schemas and the command tree. `npm run generate` writes them; a test fails
 * when a committed copy is stale, so the schemas and the CLI stay the single source of truth. The
 * configuration reference is passed in because only its marked sections are generated.
 */
export const configurationDoc = 'docs/configuration.md';

export function generatedFiles(configurationText: string): Record<string, string> {
  const program = buildProgram('0.0.0');
  return {
    'locks/schema.json': jsonSchema(releaseLock, 'https://lockstep.dev/schemas/lock-v1.json', 'lockstep release lock'),
    'locks/config.schema.json': jsonSchema(lockstepConfig, 'https://lockstep.dev/schemas/config-v1.json', 'lockstep.config.yaml'),
    'docs/cli.md': `# CLI reference\n\nGenerated from \`lockstep --help\` of every command (\`npm run generate\`).\n\n${renderCliReference(program)}`,
    [configurationDoc]: withGeneratedSections(configurationText, program),
  };
}

function withGeneratedSections(document: string, program: Command): string {
  const configRows = schemaRows(z.toJSONSchema(lockstepConfig, { io: 'input', unrepresentable: 'any' }) as Parameters<typeof schemaRows>[0]);
  let text = replaceSection(document, 'config', renderReference(configRows));
  text = replaceSection(text, 'cli', renderCliSummary(program));
  return text;
}

function jsonSchema(schema: z.ZodType, id: string, title: string): string {
  const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return `${JSON.stringify({ $id: id, title, ...generated }, null, 2)}\n`;
}
