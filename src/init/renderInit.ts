import type { InitResult } from './runInit.js';

const verbs = { create: 'create', overwrite: 'overwrite', unchanged: 'unchanged', exists: 'exists, differs (--force overwrites)' } as const;

/** What `lockstep init` did (or, with --dry-run, would do), then what the team does next. */
export function renderInit(result: InitResult): string {
  const lines: string[] = [];
  if (!result.written) {
    lines.push('--dry-run: nothing written. lockstep init would write:', '');
    for (const file of result.files) lines.push(`=== ${file.path} (${verbs[file.action]})`, file.content.trimEnd(), '');
  } else {
    for (const file of result.files) lines.push(`${file.action === 'unchanged' ? '·' : '✔'} ${file.path}: ${verbs[file.action]}`);
    lines.push('');
  }
  lines.push(`services (one per submodule), compose file ${result.composeFile}:`);
  for (const service of result.services) {
    lines.push(`  ${service.name.padEnd(16)} ${service.path.padEnd(24)} ${service.image}${service.imageFrom === 'placeholder' ? '   ← TODO: compose names no image' : ''}`);
  }
  if (result.unpinned.length > 0) lines.push(`left to compose (no submodule): ${result.unpinned.map((service) => `${service.name}${service.image ? ` (${service.image})` : ''}`).join(', ')}`);
  lines.push(
    `workflows load the lockstep module at ${result.moduleRef}`,
    '',
    'Next:',
    '  1. fill in environments (and suites) in the config; `lockstep run pr-check --offline` runs the pull-request check here',
    '  2. commit the config and .github/workflows',
    '',
    result.checklist,
  );
  return `${lines.join('\n')}\n`;
}
