import type { connectGitHub as connect } from '../github/connect.js';
import type { runSetupCheck as setupCheck } from '../init/runSetupCheck.js';

/**
 * The adapters whose packages cost start-up time, loaded only when a command talks to them. Octokit
 * (GitHub) adds about 45 ms to a start, measured on top of what `lock generate` loads; a command
 * module that imported it statically would pay that even offline (release archive in a pipeline).
 * The Kubernetes and AWS clients load per target in environments/openEnvironment.ts.
 */
export async function connectGitHub(...args: Parameters<typeof connect>): Promise<ReturnType<typeof connect>> {
  return (await import('../github/connect.js')).connectGitHub(...args);
}

export async function runSetupCheck(...args: Parameters<typeof setupCheck>): ReturnType<typeof setupCheck> {
  return (await import('../init/runSetupCheck.js')).runSetupCheck(...args);
}
