// A real distribution registry in a container, optionally behind htpasswd basic auth.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { testImages } from './docker.js';

const execFileAsync = promisify(execFile);

export interface RegistryAuth {
  username: string;
  password: string;
}

export interface StartRegistryOptions {
  auth?: RegistryAuth;
  /** Defaults to LOCKSTEP_REGISTRY_IMAGE, else the public `registry:2`. */
  image?: string;
  /**
   * Keep storage on a volume so it survives `container.restart()`. By default it is a tmpfs:
   * faster, and a volume of a few thousand small files takes seconds to remove on CI.
   */
  persistentStorage?: boolean;
}

export interface StartedRegistry {
  /** `localhost:<port>`, the form image references and ociPush.ts take. */
  host: string;
  /** `http://localhost:<port>` */
  url: string;
  auth?: RegistryAuth;
  container: StartedTestContainer;
  /** Stops and removes the container and its storage volume. */
  stop(): Promise<void>;
  /** Freezes the registry process: connections hang instead of failing (outage simulation). */
  pause(): Promise<void>;
  unpause(): Promise<void>;
}

const HTPASSWD_PATH = '/auth/htpasswd';

export async function startRegistry(options: StartRegistryOptions = {}): Promise<StartedRegistry> {
  const image = options.image ?? testImages().registry;
  // Deletes are off in the public image's config; tests that clean up tags need them either way.
  // Access logs cost noticeable time when tests push hundreds of tags.
  let definition = new GenericContainer(image)
    .withExposedPorts(5000)
    .withEnvironment({ REGISTRY_STORAGE_DELETE_ENABLED: 'true', REGISTRY_LOG_ACCESSLOG_DISABLED: 'true' })
    .withWaitStrategy(
      Wait.forHttp('/v2/', 5000)
        .forStatusCodeMatching((status) => status === 200 || status === 401)
        .withStartupTimeout(60_000),
    );
  if (!options.persistentStorage) definition = definition.withTmpFs({ '/var/lib/registry': 'rw' });
  if (options.auth) {
    definition = definition
      .withEnvironment({
        REGISTRY_AUTH: 'htpasswd',
        REGISTRY_AUTH_HTPASSWD_REALM: 'lockstep-test',
        REGISTRY_AUTH_HTPASSWD_PATH: HTPASSWD_PATH,
      })
      .withCopyContentToContainer([{ content: await htpasswdEntry(options.auth), target: HTPASSWD_PATH }]);
  }
  const container = await definition.start();
  const host = `${container.getHost()}:${container.getMappedPort(5000)}`;
  const dockerContainer = async () => (await getContainerRuntimeClient()).container.getById(container.getId());
  return {
    host,
    url: `http://${host}`,
    ...(options.auth ? { auth: options.auth } : {}),
    container,
    stop: async () => {
      await container.stop({ remove: true, removeVolumes: true });
    },
    pause: async () => {
      await (await dockerContainer()).pause();
    },
    unpause: async () => {
      await (await dockerContainer()).unpause();
    },
  };
}

/** A bcrypt htpasswd line (distribution accepts only bcrypt), made by apache2-utils' htpasswd. */
export async function htpasswdEntry({ username, password }: RegistryAuth): Promise<string> {
  try {
    const { stdout } = await execFileAsync('htpasswd', ['-nbB', username, password]);
    return `${stdout.trim()}\n`;
  } catch (error) {
    const hint = (error as NodeJS.ErrnoException).code === 'ENOENT' ? ' (install apache2-utils)' : '';
    throw new Error(`htpasswd failed${hint}: ${(error as Error).message}`, { cause: error });
  }
}
