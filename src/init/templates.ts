import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';

/**
 * The orchestrator workflows `lockstep init` writes into a team's `.github/workflows`. They ship in the
 * package (`templates/workflows`), each pinned to the lockstep Dagger module of this very version, so a
 * workflow never loads a module from the checkout it is given as data.
 */
export const moduleAddress = 'github.com/lockstep-dev/lockstep';

/** `templates/workflows` next to `src/` or `dist/`: the same two levels up from either. */
export const templatesDir = fileURLToPath(new URL('../../templates/workflows/', import.meta.url));

export interface WorkflowTemplate {
  /** The file name, e.g. `pr-check.yml`. */
  name: string;
  text: string;
}

export async function readWorkflowTemplates(dir: string = templatesDir): Promise<WorkflowTemplate[]> {
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(`${dir}/${name}`, 'utf8') })));
}

const moduleLine = new RegExp(`^(\\s*module: )${moduleAddress.replace(/[./]/g, '\\$&')}@\\S+$`, 'gm');
/** A git tag (v1.2.3) or a full commit: what Dagger accepts after `@`, and nothing a shell would read. */
const moduleRef = /^(v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?|[0-9a-f]{40})$/;

/** The module reference the templates carry: the tag of the installed version. */
export function defaultModuleRef(version: string): string {
  return `v${version}`;
}

/** Points a template's `dagger call` at the lockstep module at `ref` (a version tag or a commit). */
export function pinModule(template: WorkflowTemplate, ref: string): WorkflowTemplate {
  if (!moduleRef.test(ref)) throw new InputError('command line', '--module-ref', 'must be a version tag such as v0.1.0 or a full 40-hex commit');
  const pinned = template.text.replace(moduleLine, (_line, prefix: string) => `${prefix}${moduleAddress}@${ref}`);
  if (pinned === template.text && !template.text.includes(`${moduleAddress}@${ref}`)) {
    throw new Error(`templates/workflows/${template.name} has no "module: ${moduleAddress}@…" line`);
  }
  return { name: template.name, text: pinned };
}

/** The `module:` references of a workflow's text (each template has exactly one). */
export function moduleRefs(text: string): string[] {
  return [...text.matchAll(moduleLine)].map((match) => match[0].trim().slice('module: '.length));
}

/** The config schema of the lockstep version a workflow is pinned to, for the editor modeline. */
export function configSchemaUrl(ref: string): string {
  return `https://raw.githubusercontent.com/${moduleAddress.replace('github.com/', '')}/${ref}/locks/config.schema.json`;
}
