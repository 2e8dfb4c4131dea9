/**
 * The `dagger call` line that reruns one stage (or one composite) alone with the same inputs. Secrets
 * never appear: they are named by the environment variable the caller is expected to hold them in,
 * the same names the workflows use, so a line copied from a CI log works on a laptop after `export`.
 */
import { kebab, stages, type ModuleSettings, type Need, type StageCall } from './stagePlans.js';

export const secretSources = {
  githubToken: 'env://GITHUB_TOKEN',
  registryAuth: 'env://LOCKSTEP_REGISTRY_PASSWORD',
  kubeconfig: 'env://LOCKSTEP_KUBECONFIG',
} as const;

export const defaultDockerSocket = '/var/run/docker.sock';

/** Where the workflows (and the docs) export a composite's report; rerun lines point into it. */
export const reportDir = '.lockstep/run';

export const defaultLockPath = 'locks/current.lock.yaml';

type FlagValue = string | number | boolean | readonly string[] | undefined;

/** Constructor flags: only those the stages involved actually use, so a line asks for no needless secret. */
export function constructorFlags(settings: ModuleSettings, needs: ReadonlySet<Need>, withLockPath = false): string[] {
  const flags: string[] = [];
  if (settings.config !== undefined) flags.push(...flag('config', settings.config));
  if (withLockPath && settings.lockPath !== defaultLockPath) flags.push(...flag('lock-path', settings.lockPath));
  if (needs.has('github')) {
    if (settings.provided.githubToken) flags.push(...flag('github-token', secretSources.githubToken));
    if (settings.repository !== undefined) flags.push(...flag('repository', settings.repository));
    if (settings.githubApiUrl !== undefined) flags.push(...flag('github-api-url', settings.githubApiUrl));
  }
  if (needs.has('registry') && settings.registryUsername !== undefined) {
    flags.push(...flag('registry-username', settings.registryUsername));
    if (settings.provided.registryAuth) flags.push(...flag('registry-auth', secretSources.registryAuth));
  }
  if (needs.has('environment')) {
    if (settings.provided.kubeconfig) flags.push(...flag('kubeconfig', secretSources.kubeconfig));
    if (settings.provided.dockerSocket) flags.push(...flag('docker-socket', defaultDockerSocket));
  }
  return flags;
}

/** `dagger call <constructor flags> <function> <flags>` for one stage. */
export function stageRerunLine(call: StageCall, settings: ModuleSettings): string {
  const needs = new Set<Need>(stages[call.stage].needs);
  return daggerCall(constructorFlags(settings, needs), call.stage, call.inputs as Record<string, FlagValue>);
}

/** The same for a composite, whose stages together decide which constructor flags it needs. */
export function compositeRerunLine(
  functionName: string,
  inputs: Record<string, FlagValue>,
  settings: ModuleSettings,
  needs: ReadonlySet<Need>,
): string {
  return daggerCall(constructorFlags(settings, needs, true), functionName, inputs);
}

function daggerCall(constructor: string[], functionName: string, inputs: Record<string, FlagValue>): string {
  const words = ['dagger', 'call', ...constructor, kebab(functionName)];
  for (const [name, value] of Object.entries(inputs)) words.push(...flag(kebab(name), value));
  return words.join(' ');
}

function flag(name: string, value: FlagValue): string[] {
  if (value === undefined || value === false) return [];
  if (value === true) return [`--${name}`];
  if (Array.isArray(value)) return value.length === 0 ? [] : [`--${name}`, shellQuote(value.join(','))];
  return [`--${name}`, shellQuote(String(value))];
}

/** Quotes for POSIX shells only when needed, so the common line stays readable. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:=@,+%-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
