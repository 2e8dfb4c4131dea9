import type { Command } from 'commander';
import { declareCommand, stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { recordArtifacts } from '../stageResult.js';
import { emit, progress, type OutputOptions } from '../output.js';
import type { GenerateLockInput } from '../../stages/lockGenerate.js';
import { InputError } from '../../errors.js';
import { writeAtomic } from '../../io/writeAtomic.js';

interface GlobalOptions extends OutputOptions {
  config: string;
}

/** `lockstep lock ...`: generate, verify, compare, show and export release locks. */
export function registerLockCommands(program: Command): void {
  declareCommand(program, stages.lockGenerate)
    .action(async (options: OptionsOf<typeof stages.lockGenerate>, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      // One batch: the loader reads and links these module graphs concurrently, not one after another.
      const [{ InputError }, { loadConfig }, { generateLock }, { createRegistryClient }, { registryClientOptions, describeRetry }, { lockId }, { writeLock, renderLockFile }] =
        await Promise.all([
          import('../../errors.js'),
          import('../../config/load.js'),
          import('../../stages/lockGenerate.js'),
          import('../../registry/client.js'),
          import('../../registry/fromConfig.js'),
          import('../../lock/integrity.js'),
          import('../../lock/write.js'),
        ]);
      if (options.only && !options.base) throw new InputError('--only', undefined, 'needs --base <lock> (a hotfix starts from a lock)');
      if (options.base && options.baseRef) throw new InputError('--base-ref', undefined, 'cannot be combined with --base: name one current lock');
      const config = await loadConfig(globals.config);
      let hotfix: GenerateLockInput['hotfix'];
      let previous: GenerateLockInput['previous'];
      if (options.base) {
        const { readLock } = await import('../../lock/read.js');
        const base = await readLock(options.base);
        if (options.only) hotfix = { baseFile: options.base, base, only: options.only };
        else previous = { file: options.base, lock: base };
      } else if (options.baseRef) {
        const { readLockAtRef } = await import('../../lock/readAtRef.js');
        previous = await readLockAtRef(options.repo, options.baseRef, config.github.lockPath);
      }
      let componentTags: GenerateLockInput['componentTags'];
      if (options.componentTags) {
        const { readDocument } = await import('../../io/readDocument.js');
        const { componentTags: schema } = await import('../../lock/componentTags.js');
        componentTags = { file: options.componentTags, tags: await readDocument(options.componentTags, schema) };
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
          { registry, progress },
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
    });

  declareCommand(program, stages.lockVerify)
    .action(async (file: string, options: OptionsOf<typeof stages.lockVerify>, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { verifyLockFile } = await import('../../stages/lockVerify.js');
      const { lockId } = await import('../../lock/integrity.js');
      const configNamed = command.getOptionValueSourceWithGlobals('config') === 'cli';
      let expected: { configFile: string; services: string[] } | undefined;
      if (configNamed) {
        const { loadConfig } = await import('../../config/load.js');
        expected = { configFile: globals.config, services: Object.keys((await loadConfig(globals.config)).services) };
      }
      let registry;
      if (options.registry) {
        const { createRegistryClient } = await import('../../registry/client.js');
        const { registryClientOptions, describeRetry } = await import('../../registry/fromConfig.js');
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
    });

  declareCommand(program, stages.lockDiff)
    .action(async (oldFile: string, newFile: string, options: OptionsOf<typeof stages.lockDiff>, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions>();
      const { readLock } = await import('../../lock/read.js');
      const { diffLocks } = await import('../../lock/diff.js');
      const { renderDiffMarkdown, renderDiffText } = await import('../../lock/render.js');
      const diff = diffLocks(await readLock(oldFile), await readLock(newFile));
      emit(output, diff, () => (options.markdown ? renderDiffMarkdown(diff) : renderDiffText(diff)));
    });

  declareCommand(program, stages.lockShow)
    .action(async (file: string, options: OptionsOf<typeof stages.lockShow>, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions>();
      const { readLock } = await import('../../lock/read.js');
      const { renderLockMarkdown, renderLockText } = await import('../../lock/render.js');
      const shown = await readLock(file);
      emit(output, shown, () => (options.markdown ? renderLockMarkdown(shown) : renderLockText(shown)));
    });

  declareCommand(program, stages.lockExport)
    .action(async (options: OptionsOf<typeof stages.lockExport>) => {
      const { exportLock } = await import('../../stages/lockExport.js');
      const content = await exportLock(options.lock, options.format);
      if (options.out && options.out !== '-') {
        await writeAtomic(options.out, content);
        progress(`✔ wrote ${options.out}`);
      } else process.stdout.write(content);
    });
}

/**
 * Registry settings for commands that work without a config: the config's `registry` section when the
 * file exists, the defaults when the default config file is simply absent.
 */
async function registrySettings(configFile: string, isDefault: boolean) {
  const { loadConfig } = await import('../../config/load.js');
  try {
    const config = await loadConfig(configFile);
    return { registry: config.registry, images: Object.values(config.services).map((service) => service.image) };
  } catch (error) {
    if (isDefault && error instanceof InputError && error.problem === 'file not found') {
      const { registryConfig } = await import('../../config/services.js');
      return { registry: registryConfig.parse({}), images: [] };
    }
    throw error;
  }
}
