import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockstepError } from '../errors.js';
import { RegistryAuthenticator } from './authenticator.js';
import { createConcurrencyLimit } from './concurrencyLimit.js';
import { createCredentialLookup, type CredentialLookup } from './credentials.js';
import { HttpTransport, TransportError, type HttpResponse } from './httpTransport.js';
import { ImageConfigError, summarizeImageConfig, type ImageConfigSummary } from './imageConfig.js';
import { ManifestError, manifestAccept, parseManifest, pickPlatformManifest } from './manifest.js';
import type { AuthTarget } from './authenticator.js';
import { allowedUrl, locateRepository, registryScheme } from './reference.js';
import { defaultRetryPolicy, isRetryableOutcome, retryDecision, type AttemptOutcome, type RetryPolicy } from './retryPolicy.js';

export interface RegistryClientOptions {
  /** Hosts reached over plain http besides loopback ones. */
  insecure?: readonly string[];
  /** Requests in flight at once, across all registries. */
  concurrency?: number;
  timeoutMs?: number;
  retries?: number;
  /** Backoff before the first retry (doubles after). */
  retryBaseDelayMs?: number;
  /** Default: Docker's and lockstep's credential sources, environment credentials bound to `credentialHosts`. */
  credentials?: CredentialLookup;
  /** The registries LOCKSTEP_REGISTRY_USERNAME/PASSWORD may go to (the config's image hosts). */
  credentialHosts?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Told about every retry, e.g. to print a progress line. */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  host: string;
  problem: string;
  /** Failed attempts so far. */
  attempt: number;
  delayMs: number;
}

export interface ResolvedTag {
  digest: string;
  mediaType: string;
}

export interface ImageInspection extends ResolvedTag {
  /** For an index: the platform manifest whose config was read. */
  platformDigest?: string;
  /** Null when there is no image config to read (an index without images). */
  config: ImageConfigSummary | null;
}

/** The registry operations every stage uses; one client per run, shared by all services. */
export interface RegistryClient {
  /** The digest a tag points at (HEAD; GET and hash when the registry sends no digest header). */
  resolveTag(image: string, tag: string): Promise<ResolvedTag>;
  /** Digest, type and image config of a tag, read from one manifest response so they always agree. */
  inspectTag(image: string, tag: string): Promise<ImageInspection>;
  /** Whether a manifest (image or index) with this digest exists in the repository. */
  manifestExists(image: string, digest: string): Promise<boolean>;
  /** The image config behind a manifest or index digest (for an index: linux/amd64, or the first image). */
  readImageConfig(image: string, digest: string): Promise<ImageConfigSummary | null>;
  /** HTTP requests sent so far (registries, token services and redirects alike). */
  requestCount(): number;
  /** Closes idle connections. */
  close(): void;
}

const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const digestPattern = /^sha256:[0-9a-f]{64}$/;
/** The distribution reference implementation refuses manifests above 4 MiB; so do we. */
const maxManifestBytes = 4 * 1024 * 1024;
const maxConfigBytes = 8 * 1024 * 1024;
const maxTokenBytes = 256 * 1024;

export function createRegistryClient(options: RegistryClientOptions = {}): RegistryClient {
  return new OciRegistryClient(options);
}

class OciRegistryClient implements RegistryClient {
  private readonly transport: HttpTransport;
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly auth: RegistryAuthenticator;
  private readonly insecure: readonly string[];
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;

  constructor(private readonly options: RegistryClientOptions) {
    const concurrency = options.concurrency ?? 16;
    this.transport = new HttpTransport(concurrency, options.env);
    this.limit = createConcurrencyLimit(concurrency);
    this.insecure = options.insecure ?? [];
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.policy = {
      ...defaultRetryPolicy,
      retries: options.retries ?? defaultRetryPolicy.retries,
      baseDelayMs: options.retryBaseDelayMs ?? defaultRetryPolicy.baseDelayMs,
    };
    const credentials = options.credentials ?? createCredentialLookup(options.env, undefined, { hosts: options.credentialHosts ?? [] });
    this.auth = new RegistryAuthenticator({
      credentials,
      insecure: this.insecure,
      getToken: (url, headers, form) =>
        this.withRetries(`token service ${url.origin}`, url, () => this.send(form === undefined ? 'GET' : 'POST', url, headers, maxTokenBytes, form)),
    });
  }

  async resolveTag(image: string, tag: string): Promise<ResolvedTag> {
    const location = locateRepository(image);
    checkTag(image, tag);
    const ref = `${image}:${tag}`;
    const head = await this.exchange(location, ref, 'HEAD', `manifests/${tag}`, manifestAccept, 0);
    const digest = headerValue(head, 'docker-content-digest');
    if (head.status === 200 && digest && digestPattern.test(digest)) {
      return { digest, mediaType: (headerValue(head, 'content-type') ?? '').split(';')[0]!.trim() };
    }
    if (!headFallsBack(head)) expectOk(ref, head);
    // No digest header, or a registry that answers HEAD with 404/405 although GET works: GET and hash.
    const manifest = await this.getManifest(location, image, tag, ref);
    if (!manifest) throw tagNotFound(image, tag);
    return { digest: manifest.digest, mediaType: parseOrFail(ref, manifest).mediaType };
  }

  async inspectTag(image: string, tag: string): Promise<ImageInspection> {
    const location = locateRepository(image);
    checkTag(image, tag);
    const ref = `${image}:${tag}`;
    const manifest = await this.getManifest(location, image, tag, ref);
    if (!manifest) throw tagNotFound(image, tag);
    return this.inspect(location, image, ref, manifest);
  }

  async manifestExists(image: string, digest: string): Promise<boolean> {
    const location = locateRepository(image);
    checkDigest(image, digest);
    const ref = `${image}@${digest}`;
    const head = await this.exchange(location, ref, 'HEAD', `manifests/${digest}`, manifestAccept, 0);
    const announced = headerValue(head, 'docker-content-digest');
    if (head.status === 200 && announced?.startsWith('sha256:')) {
      if (announced !== digest) throw new LockstepError('REGISTRY', `${ref}: the registry answered for another digest (${announced})`);
      return true;
    }
    if (!headFallsBack(head)) expectOk(ref, head);
    // A 404 to HEAD may be the registry's way of not supporting HEAD: only GET's 404 is believed,
    // and GET's bytes must hash to the digest asked for (getManifest refuses anything else).
    return (await this.getManifest(location, image, digest, ref)) !== null;
  }

  requestCount(): number {
    return this.transport.requests;
  }

  async readImageConfig(image: string, digest: string): Promise<ImageConfigSummary | null> {
    const location = locateRepository(image);
    checkDigest(image, digest);
    const ref = `${image}@${digest}`;
    const manifest = await this.getManifest(location, image, digest, ref);
    if (!manifest) throw new LockstepError('NOT_FOUND', `manifest ${digest} not found in ${image}`);
    return (await this.inspect(location, image, ref, manifest)).config;
  }

  close(): void {
    this.transport.close();
  }

  private async inspect(location: AuthTarget, image: string, ref: string, manifest: FetchedManifest): Promise<ImageInspection> {
    const parsed = parseOrFail(ref, manifest);
    if (parsed.kind === 'image') {
      return { digest: manifest.digest, mediaType: parsed.mediaType, config: await this.getConfig(location, ref, parsed.config.digest) };
    }
    const chosen = pickPlatformManifest(parsed.manifests);
    if (!chosen) return { digest: manifest.digest, mediaType: parsed.mediaType, config: null };
    const platformRef = `${image}@${chosen.digest}`;
    const platformManifest = await this.getManifest(location, image, chosen.digest, platformRef);
    if (!platformManifest) throw new LockstepError('REGISTRY', `${ref}: the index lists ${chosen.digest}, which the registry does not have`);
    const platform = parseOrFail(platformRef, platformManifest);
    if (platform.kind !== 'image') throw new LockstepError('REGISTRY', `${ref}: the index nests another index; only one level is supported`);
    return {
      digest: manifest.digest,
      mediaType: parsed.mediaType,
      platformDigest: chosen.digest,
      config: await this.getConfig(location, platformRef, platform.config.digest),
    };
  }

  /** GETs a manifest; its digest is the sha256 of the bytes received, checked against the registry's header. */
  private async getManifest(location: AuthTarget, image: string, reference: string, ref: string): Promise<FetchedManifest | null> {
    const response = await this.exchange(location, ref, 'GET', `manifests/${reference}`, manifestAccept, maxManifestBytes);
    if (response.status === 404) return null;
    expectOk(ref, response);
    const digest = `sha256:${createHash('sha256').update(response.body).digest('hex')}`;
    const announced = headerValue(response, 'docker-content-digest');
    // A registry may announce another algorithm (sha512); only a sha256 it announces can be compared.
    if (announced?.startsWith('sha256:') && announced !== digest) {
      throw new LockstepError('REGISTRY', `${ref}: the registry announced digest ${announced} for a manifest whose bytes hash to ${digest}`);
    }
    if (digestPattern.test(reference) && reference !== digest) {
      throw new LockstepError('REGISTRY', `${image}@${reference}: the registry sent a manifest whose bytes hash to ${digest}`);
    }
    return { digest, body: response.body, contentType: headerValue(response, 'content-type') };
  }

  private async getConfig(location: AuthTarget, ref: string, digest: string): Promise<ImageConfigSummary> {
    const response = await this.exchange(location, ref, 'GET', `blobs/${digest}`, '*/*', maxConfigBytes);
    if (response.status === 404) throw new LockstepError('REGISTRY', `${ref}: the image config ${digest} is missing from the registry`);
    expectOk(ref, response);
    const actual = `sha256:${createHash('sha256').update(response.body).digest('hex')}`;
    if (actual !== digest) throw new LockstepError('REGISTRY', `${ref}: the image config ${digest} arrived with digest ${actual}`);
    try {
      return summarizeImageConfig(response.body);
    } catch (error) {
      if (error instanceof ImageConfigError) throw new LockstepError('REGISTRY', `${ref}: ${error.message}`);
      throw error;
    }
  }

  /** One registry API call, authenticated as the host demands, retried on transient failures. */
  private async exchange(
    location: AuthTarget,
    ref: string,
    method: 'GET' | 'HEAD',
    path: string,
    accept: string,
    maxBytes: number,
  ): Promise<HttpResponse> {
    const url = new URL(`${registryScheme(location.host, this.insecure)}://${location.host}/v2/${location.name}/${path}`);
    const scope = `repository:${location.name}:pull`;
    return this.withRetries(ref, url, async () => {
      const sent = await this.auth.authorization(location, scope);
      const first = await this.send(method, url, requestHeaders(accept, sent), maxBytes);
      if (first.status !== 401) return first;
      await this.auth.challenged(location, scope, headerValue(first, 'www-authenticate'), sent);
      const retried = await this.auth.authorization(location, scope);
      const second = await this.send(method, url, requestHeaders(accept, retried), maxBytes);
      if (second.status === 401 || second.status === 403) throw await this.auth.denied(location, ref, retried);
      return second;
    });
  }

  private send(method: 'GET' | 'HEAD' | 'POST', url: URL, headers: Record<string, string>, maxBytes: number, body?: string): Promise<HttpResponse> {
    return this.limit(() =>
      this.transport.send({
        method,
        url,
        headers,
        ...(body === undefined ? {} : { body }),
        maxBytes,
        timeoutMs: this.timeoutMs,
        allowRedirect: (target) => allowedUrl(target, this.insecure),
      }),
    );
  }

  private async withRetries(ref: string, url: URL, attempt: () => Promise<HttpResponse>): Promise<HttpResponse> {
    for (let failures = 1; ; failures += 1) {
      let outcome: AttemptOutcome;
      let problem: string;
      try {
        const response = await attempt();
        if (!isRetryableOutcome({ kind: 'status', status: response.status })) return response;
        outcome = { kind: 'status', status: response.status, retryAfter: headerValue(response, 'retry-after') };
        problem = `${url.host} answered HTTP ${response.status} ${STATUS_CODES[response.status] ?? ''}`.trimEnd();
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        if (error.kind !== 'timeout' && error.kind !== 'connection') throw new LockstepError('REGISTRY', `${ref}: ${error.message}`);
        outcome = error.kind === 'timeout' ? { kind: 'timeout' } : { kind: 'connection', code: error.code };
        problem = error.message;
      }
      const decision = retryDecision(outcome, failures, this.policy);
      if (!decision.retry) {
        const tries = failures === 1 ? '' : ` (${failures} attempts)`;
        const why = decision.reason.startsWith('gave up') ? '' : `; ${decision.reason}`;
        throw new LockstepError('REGISTRY', `${ref}: ${problem}${tries}${why}`);
      }
      this.options.onRetry?.({ host: url.host, problem, attempt: failures, delayMs: decision.delayMs });
      await sleep(decision.delayMs);
    }
  }
}

interface FetchedManifest {
  digest: string;
  body: Buffer;
  contentType: string | undefined;
}

function parseOrFail(ref: string, manifest: FetchedManifest) {
  try {
    return parseManifest(manifest.body, manifest.contentType);
  } catch (error) {
    if (error instanceof ManifestError) throw new LockstepError('REGISTRY', `${ref}: ${error.message}`);
    throw error;
  }
}

function requestHeaders(accept: string, authorization: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { accept, 'user-agent': 'lockstep' };
  if (authorization) headers.authorization = authorization;
  return headers;
}

function headerValue(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** HEAD answers a GET may correct: 404 and 405 from registries without HEAD support, or 200 without a digest. */
function headFallsBack(head: HttpResponse): boolean {
  return head.status === 404 || head.status === 405 || head.status === 200;
}

function expectOk(ref: string, response: HttpResponse): void {
  if (response.status === 200) return;
  const detail = registryErrorDetail(response.body);
  throw new LockstepError('REGISTRY', `${ref}: the registry answered HTTP ${response.status}${detail ? ` (${detail})` : ''}`);
}

/** The first `errors[]` entry of a distribution error body, trimmed to one short, printable line. */
function registryErrorDetail(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed.errors?.[0];
    if (!first) return undefined;
    const text = [first.code, first.message].filter((part) => typeof part === 'string' && part !== '').join(': ');
    return text.replace(/[^\x20-\x7e]/g, ' ').slice(0, 200) || undefined;
  } catch {
    return undefined;
  }
}

function tagNotFound(image: string, tag: string): LockstepError {
  return new LockstepError('NOT_FOUND', `tag ${tag} not found in ${image} — was it built?`);
}

function checkTag(image: string, tag: string): void {
  if (!tagPattern.test(tag)) throw new LockstepError('BAD_INPUT', `${image}: "${tag}" is not a valid image tag`);
}

function checkDigest(image: string, digest: string): void {
  if (!digestPattern.test(digest)) throw new LockstepError('BAD_INPUT', `${image}: "${digest}" is not a sha256 digest`);
}
