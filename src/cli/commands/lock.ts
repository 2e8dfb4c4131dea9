// `lockstep lock ...`: generate, verify, compare, show and export release locks.
import type { Command } from 'commander';
import type { stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { recordArtifacts } from '../stageResult.js';
import { emit, progress, type OutputOptions } from '../output.js';
import { generateLock, localGit, type GenerateLockInput } from '../../stages/lockGenerate.js';
import { resolveRef } from '../../git/resolveRef.js';
import { renderLockFile, writeLock } from '../../lock/write.js';
import { InputError } from '../../errors.js';
import { writeAtomic } from '../../io/writeAtomic.js';
import { readLock } from '../../lock/read.js';
import { readLockAtRef } from '../../lock/readAtRef.js';
import { readDocument } from '../../io/readDocument.js';
import { componentTags as componentTagsSchema } from '../../lock/componentTags.js';
import { verifyLockFile } from '../../stages/lockVerify.js';
import { lockId } from '../../lock/integrity.js';
import { loadConfig } from '../../config/load.js';
import { createRegistryClient } from '../../registry/client.js';
import { registryClientOptions, describeRetry } from '../../registry/fromConfig.js';
import { diffLocks } from '../../lock/diff.js';
import { renderDiffMarkdown, renderDiffText, renderLockMarkdown, renderLockText } from '../../lock/render.js';
import { exportLock } from '../../stages/lockExport.js';
import { registryConfig } from '../../config/services.js';

interface GlobalOptions extends OutputOptions {
  config: string;
}

export async function lockGenerateAction(options: OptionsOf<typeof stages.lockGenerate>, command: Command): Promise<void> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  if (options.only && !options.base) throw new InputError('--only', undefined, 'needs --base <lock> (a hotfix starts from a lock)');
  if (options.base && options.baseRef) throw new InputError('--base-ref', undefined, 'cannot be combined with --base: name one current lock');
  // git resolves the ref in its own processes while the config is read; its answer (or its error) is
  // taken where the stage asks for it, after the config's own errors.
  const ref = resolveRef(options.repo, options.ref);
  ref.catch(() => undefined);
  const config = await loadConfig(globals.config);
  let hotfix: GenerateLockInput['hotfix'];
  let previous: GenerateLockInput['previous'];
  if (options.base) {
    const base = await readLock(options.base);
    if (options.only) hotfix = { baseFile: options.base, base, only: options.only };
    else previous = { file: options.base, lock: base };
  } else if (options.baseRef) {
    previous = await readLockAtRef(options.repo, options.baseRef, config.github.lockPath);
  }
  let componentTags: GenerateLockInput['componentTags'];
  if (options.componentTags) {
    componentTags = { file: options.componentTags, tags: await readDocument(options.componentTags, componentTagsSchema) };
  }
  const images = Object.values(config.services).map((service) => service.image);
  const registry = createRegistryClient(registryClientOptions(config.registry, (event) => progress(describeRetry(event)), images));
  try {
    const { lock: generated, reused } = await generateLock(
      {
        configFile: globals.config,
        services: config.services,
        repository: config.repository,
        repoDir: options.repo,
        ref: options.ref,
        pullRequest: options.pullRequest,
        hotfix,
        previous,
        componentTags,
        env: process.env,
      },
      { registry, progress, git: { ...localGit, resolveRef: () => ref } },
    );
    const count = Object.keys(generated.services).length;
    const requests = registry.requestCount();
    const work = `${requests} registry request${requests === 1 ? '' : 's'}${previous ? `, ${reused.length} unchanged since ${previous.file}` : ''}`;
    if (options.out && options.out !== '-') {
      await writeLock(options.out, generated);
      recordArtifacts(options.out);
      const summary = {
        file: options.out,
        id: lockId(generated),
        integrity: generated.integrity,
        services: count,
        hotfix: generated.hotfix ?? null,
        registryRequests: requests,
        reused: previous ? reused : null,
      };
      emit(globals, summary, () => `✔ wrote ${options.out} (lock ${summary.id}, ${count} service${count === 1 ? '' : 's'}${hotfix ? `, hotfix of ${hotfix.only.join(', ')}` : ''})`);
      if (!globals.json) progress(`lock: ${work}`);
    } else {
      process.stdout.write(renderLockFile(generated, globals.json ? 'json' : 'yaml'));
      progress(`lock: ${lockId(generated)} (${count} service${count === 1 ? '' : 's'}; ${work})`);
    }
  } finally {
    registry.close();
  }
}

export async function lockVerifyAction(file: string, options: OptionsOf<typeof stages.lockVerify>, command: Command): Promise<void> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const configNamed = command.getOptionValueSourceWithGlobals('config') === 'cli';
  let expected: { configFile: string; services: string[] } | undefined;
  if (configNamed) {
    expected = { configFile: globals.config, services: Object.keys((await loadConfig(globals.config)).services) };
  }
  let registry;
  if (options.registry) {
    const settings = await registrySettings(globals.config, command.getOptionValueSourceWithGlobals('config') === 'default');
    // Credentials from the environment go only to the config's registries (and LOCKSTEP_REGISTRY_HOST),
    // never to a host the lock under check names: that lock may come from anyone.
    registry = createRegistryClient(registryClientOptions(settings.registry, (event) => progress(describeRetry(event)), settings.images));
  }
  try {
    const verified = await verifyLockFile(file, { ...(registry ? { registry } : {}), ...(expected ? { expected } : {}) });
    const count = Object.keys(verified.lock.services).length;
    const checks = verified.registry ? 'schema, integrity and registry digests' : 'schema and integrity';
    const requests = registry?.requestCount();
    emit(
      globals,
      {
        file,
        ok: true,
        id: lockId(verified.lock),
        integrity: verified.lock.integrity,
        services: count,
        ...(verified.registry ? { digestsChecked: verified.registry.checked, registryRequests: requests } : {}),
      },
      () => `✔ ${file}: ${checks} ok (lock ${lockId(verified.lock)}, ${count} services${expected ? `, exactly those of ${expected.configFile}` : ''})`,
    );
    if (requests !== undefined && !globals.json) progress(`lock: ${requests} registry request${requests === 1 ? '' : 's'}`);
  } finally {
    registry?.close();
  }
}

export async function lockDiffAction(oldFile: string, newFile: string, options: OptionsOf<typeof stages.lockDiff>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions>();
  const diff = diffLocks(await readLock(oldFile), await readLock(newFile));
  emit(output, diff, () => (options.markdown ? renderDiffMarkdown(diff) : renderDiffText(diff)));
}

export async function lockShowAction(file: string, options: OptionsOf<typeof stages.lockShow>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions>();
  const shown = await readLock(file);
  emit(output, shown, () => (options.markdown ? renderLockMarkdown(shown) : renderLockText(shown)));
}

export async function lockExportAction(options: OptionsOf<typeof stages.lockExport>): Promise<void> {
  const content = await exportLock(options.lock, options.format);
  if (options.out && options.out !== '-') {
    await writeAtomic(options.out, content);
    progress(`✔ wrote ${options.out}`);
  } else process.stdout.write(content);
}

/**
 * Registry settings for commands that work without a config: the config's `registry` section when the
 * file exists, the defaults when the default config file is simply absent.
 */
async function registrySettings(configFile: string, isDefault: boolean) {
  try {
    const config = await loadConfig(configFile);
    return { registry: config.registry, images: Object.values(config.services).map((service) => service.image) };
  } catch (error) {
    if (isDefault && error instanceof InputError && error.problem === 'file not found') {
      return { registry: registryConfig.parse({}), images: [] };
    }
    throw error;
  }
}
