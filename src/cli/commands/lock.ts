import { Option, type Command } from 'commander';
import { commaList, positiveInt } from '../parse.js';
import { recordArtifacts } from '../stageResult.js';
import { emit, progress, type OutputOptions } from '../output.js';
import type { GenerateLockInput } from '../../stages/lockGenerate.js';
import { InputError } from '../../errors.js';
import { writeAtomic } from '../../io/writeAtomic.js';

interface GlobalOptions extends OutputOptions {
  config: string;
}

interface GenerateOptions {
  ref: string;
  repo: string;
  out?: string;
  pullRequest?: number;
  base?: string;
  baseRef?: string;
  only?: string[];
  componentTags?: string;
}

/** `lockstep lock ...`: generate, verify, compare, show and export release locks. */
export function registerLockCommands(program: Command): void {
  const lock = program.command('lock').description('Generate, verify, compare, show and export release locks.');

  lock
    .command('generate')
    .description('Pin every service: its submodule commit at the ref, its image tag and the digest the registry holds for it.')
    .option('--ref <ref>', 'the orchestrator ref whose gitlinks are read', 'HEAD')
    .option('--repo <dir>', 'the orchestrator repository', '.')
    .option('--out <file>', 'write the lock to this file (atomically; JSON when it ends in .json) instead of stdout')
    .option('--pull-request <n>', 'record the pull request the lock is generated for', positiveInt)
    .option('--base <lock>', 'the current lock: unchanged services keep their entry after one HEAD request (with --only: a hotfix re-resolving only those)')
    .option('--base-ref <ref>', "read the current lock from this ref of the orchestrator (github.lockPath), e.g. the target branch")
    .option('--only <services>', 'hotfix: the services to re-resolve, comma-separated', commaList)
    .option('--component-tags <file>', "cross-check against component-tags.json published by the services' CI")
    .action(async (options: GenerateOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      // One batch: the loader reads and links these module graphs concurrently, not one after another.
      if (options.only && !options.base) throw new InputError('--only', undefined, 'needs --base <lock> (a hotfix starts from a lock)');
      if (options.base && options.baseRef) throw new InputError('--base-ref', undefined, 'cannot be combined with --base: name one current lock');
      // git resolves the ref in its own processes while the modules load and the config is read; its
      // answer (or its error) is taken where the stage asks for it, after the config's own errors.
      const { resolveRef } = await import('../../git/resolveRef.js');
      const ref = resolveRef(options.repo, options.ref);
      ref.catch(() => undefined);
      const [{ loadConfig }, { generateLock, localGit }, { createRegistryClient }, { registryClientOptions, describeRetry }, { lockId }, { writeLock, renderLockFile }] = await Promise.all([
        import('../../config/load.js'),
        import('../../stages/lockGenerate.js'),
        import('../../registry/client.js'),
        import('../../registry/fromConfig.js'),
        import('../../lock/integrity.js'),
        import('../../lock/write.js'),
      ]);
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
    });

  lock
    .command('verify')
    .description('Check a lock: schema and integrity (and with --registry, that every digest still exists).')
    .argument('<file>', 'the lock file (YAML or JSON)')
    .option('--registry', 'also check that the registry still holds every digest')
    .addHelpText('after', '\nWith -c/--config named on the command line, the lock must also pin exactly the services of that config.')
    .action(async (file: string, options: { registry?: boolean }, command: Command) => {
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

  lock
    .command('diff')
    .description('Show which services changed between two locks.')
    .argument('<old>', 'the earlier lock')
    .argument('<new>', 'the later lock')
    .option('--markdown', 'render a markdown table (for PR comments)')
    .action(async (oldFile: string, newFile: string, options: { markdown?: boolean }, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions>();
      const { readLock } = await import('../../lock/read.js');
      const { diffLocks } = await import('../../lock/diff.js');
      const { renderDiffMarkdown, renderDiffText } = await import('../../lock/render.js');
      const diff = diffLocks(await readLock(oldFile), await readLock(newFile));
      emit(output, diff, () => (options.markdown ? renderDiffMarkdown(diff) : renderDiffText(diff)));
    });

  lock
    .command('show')
    .description('Print a lock as a readable table.')
    .argument('<file>', 'the lock file')
    .option('--markdown', 'render a markdown table')
    .action(async (file: string, options: { markdown?: boolean }, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions>();
      const { readLock } = await import('../../lock/read.js');
      const { renderLockMarkdown, renderLockText } = await import('../../lock/render.js');
      const shown = await readLock(file);
      emit(output, shown, () => (options.markdown ? renderLockMarkdown(shown) : renderLockText(shown)));
    });

  lock
    .command('export')
    .description("Write a verified lock in another format (component-tags: the services' CI metadata format).")
    .addOption(new Option('--format <format>', 'the output format').choices(['component-tags']).makeOptionMandatory())
    .requiredOption('--lock <file>', 'the lock to export')
    .option('--out <file>', 'write to this file (atomically) instead of stdout')
    .action(async (options: { format: 'component-tags'; lock: string; out?: string }) => {
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
