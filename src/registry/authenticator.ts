import { LockstepError } from '../errors.js';
import type { BasicCredentials, CredentialLookup } from './credentials.js';
import { allowedUrl } from './reference.js';
import type { HttpResponse } from './httpTransport.js';
import { parseWwwAuthenticate } from './wwwAuthenticate.js';

type HostScheme = { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service: string | undefined };

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Who is asked: the API host, the registry's canonical name (credentials are filed under it) and the repository. */
export interface AuthTarget {
  host: string;
  registry: string;
  name: string;
}

export interface AuthenticatorDeps {
  credentials: CredentialLookup;
  insecure: readonly string[];
  /** GETs (or, for an OAuth2 refresh-token grant, POSTs a form to) a token endpoint, with retries. */
  getToken: (url: URL, headers: Record<string, string>, form?: string) => Promise<HttpResponse>;
  now?: () => number;
}

/** Tokens are renewed this long before they expire so that none runs out in flight. */
const expiryMarginMs = 5_000;
/** The token specification's default lifetime when the server names none. */
const defaultTokenLifetimeS = 60;

/**
 * Registry authentication as the distribution specification describes it: a registry answers 401 with a
 * `WWW-Authenticate` challenge, either Basic (send credentials) or Bearer (get a token for a scope from
 * the realm, with credentials when there are any, and send that). What a host asked for is remembered,
 * so only the first requests to it pay for a 401; tokens are cached per realm, service and scope.
 */
export class RegistryAuthenticator {
  private readonly hosts = new Map<string, HostScheme>();
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();
  private readonly credentialCache = new Map<string, Promise<BasicCredentials | undefined>>();
  private readonly now: () => number;

  constructor(private readonly deps: AuthenticatorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The Authorization header for a request to `target` needing `scope`, or undefined to go anonymous. */
  async authorization(target: AuthTarget, scope: string): Promise<string | undefined> {
    const known = this.hosts.get(target.host);
    if (!known) return undefined;
    if (known.scheme === 'basic') {
      const credentials = await this.credentialsFor(target);
      return credentials && !credentials.identityToken ? basicHeader(credentials) : undefined;
    }
    const token = await this.token(known.realm, known.service, scope, target, false);
    return `Bearer ${token.token}`;
  }

  /**
   * Learns from a 401: records the host's scheme and makes sure the next attempt carries fresh
   * credentials. Throws when retrying cannot help (no credentials, rejected credentials, no challenge).
   */
  async challenged(target: AuthTarget, scope: string, header: string | undefined, sentAuthorization: string | undefined): Promise<void> {
    const { host } = target;
    const challenges = parseWwwAuthenticate(header ?? '');
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer' && challenge.params.realm);
    if (bearer) {
      const scheme: HostScheme = { scheme: 'bearer', realm: bearer.params.realm!, service: bearer.params.service };
      this.hosts.set(host, scheme);
      // Always our own pull scope, never the challenge's: some registries name `pull,push` or no scope at
      // all, and a token asked for under another scope would miss the cache on the next request.
      if (sentAuthorization?.startsWith('Bearer ')) {
        // The token we sent was refused (expired early, or scope insufficient): fetch a new one once.
        this.tokens.delete(tokenKey(scheme.realm, scheme.service, scope));
      }
      await this.token(scheme.realm, scheme.service, scope, target, true);
      return;
    }
    if (challenges.some((challenge) => challenge.scheme === 'basic')) {
      this.hosts.set(host, { scheme: 'basic' });
      const credentials = await this.credentialsFor(target);
      if (credentials?.identityToken) {
        throw new LockstepError('REGISTRY', `${host} asks for Basic credentials, but ${credentials.source} holds only an identity token for it`, { hint: credentialsHint });
      }
      if (!credentials) {
        throw new LockstepError('REGISTRY', `${host} requires credentials and none are configured`, { hint: credentialsHint });
      }
      if (sentAuthorization?.startsWith('Basic ')) {
        throw new LockstepError('REGISTRY', `${host} rejected the credentials from ${credentials.source}`, { hint: credentialsHint });
      }
      return;
    }
    throw new LockstepError('REGISTRY', `${host} answered 401 without a Basic or Bearer challenge`);
  }

  /** The error for a request still refused after `challenged` supplied what the host asked for. */
  async denied(target: AuthTarget, ref: string, sentAuthorization: string | undefined): Promise<LockstepError> {
    const { host } = target;
    const credentials = await this.credentialsFor(target);
    if (credentials && sentAuthorization?.startsWith('Basic ')) {
      return new LockstepError('REGISTRY', `${host} rejected the credentials from ${credentials.source}`, { hint: credentialsHint });
    }
    const who = credentials ? `the credentials from ${credentials.source} may not pull it` : 'it needs credentials';
    return new LockstepError('REGISTRY', `${ref}: access denied by ${host} (no such repository, or ${who})`, { hint: credentialsHint });
  }

  private credentialsFor(target: AuthTarget): Promise<BasicCredentials | undefined> {
    const key = `${target.registry}\n${target.name}`;
    let found = this.credentialCache.get(key);
    if (!found) {
      found = this.deps.credentials(target.registry, target.name);
      this.credentialCache.set(key, found);
    }
    return found;
  }

  private async token(realm: string, service: string | undefined, scope: string, target: AuthTarget, fresh: boolean): Promise<CachedToken> {
    const key = tokenKey(realm, service, scope);
    const cached = this.tokens.get(key);
    if (cached && !fresh && cached.expiresAt > this.now()) return cached;
    let inFlight = this.pending.get(key);
    if (!inFlight) {
      inFlight = this.fetchToken(realm, service, scope, target).finally(() => this.pending.delete(key));
      this.pending.set(key, inFlight);
    }
    const token = await inFlight;
    this.tokens.set(key, token);
    return token;
  }

  private async fetchToken(realm: string, service: string | undefined, scope: string, target: AuthTarget): Promise<CachedToken> {
    const { host } = target;
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new LockstepError('REGISTRY', `${host} names a token realm that is not a URL`);
    }
    if (!allowedUrl(url, this.deps.insecure)) {
      throw new LockstepError('REGISTRY', `${host} names a token realm over plain http (${url.origin}); refusing to send credentials there`, {
        hint: 'list the realm host under registry.insecure only if it is a trusted local service',
      });
    }
    const credentials = await this.credentialsFor(target);
    const headers: Record<string, string> = { accept: 'application/json' };
    let response: HttpResponse;
    if (credentials?.identityToken) {
      // OAuth2 refresh-token grant, as Docker sends it for an identity token (ACR, Hub SSO): a form POST.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'lockstep', scope });
      if (service !== undefined) form.set('service', service);
      headers['content-type'] = 'application/x-www-form-urlencoded';
      response = await this.deps.getToken(url, headers, form.toString());
    } else {
      if (service !== undefined) url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      if (credentials) headers.authorization = basicHeader(credentials);
      response = await this.deps.getToken(url, headers);
    }
    if (response.status === 401 || response.status === 403) {
      const problem = credentials ? `rejected the credentials from ${credentials.source}` : 'requires credentials and none are configured';
      throw new LockstepError('REGISTRY', `the token service of ${host} (${url.origin}) ${problem}`, { hint: credentialsHint });
    }
    if (response.status !== 200) {
      throw new LockstepError('REGISTRY', `the token service of ${host} (${url.origin}) answered HTTP ${response.status}`);
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(response.body.toString('utf8')) as typeof body;
    } catch {
      throw new LockstepError('REGISTRY', `the token service of ${host} (${url.origin}) answered with something that is not JSON`);
    }
    const token = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)) {
      throw new LockstepError('REGISTRY', `the token service of ${host} (${url.origin}) sent no token`);
    }
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : defaultTokenLifetimeS;
    return { token, expiresAt: this.now() + Math.max(lifetime * 1000 - expiryMarginMs, 1_000) };
  }
}

export const credentialsHint =
  'set LOCKSTEP_REGISTRY_USERNAME and LOCKSTEP_REGISTRY_PASSWORD (they go only to the registries of the config\'s images and LOCKSTEP_REGISTRY_HOST), or use a docker config.json (LOCKSTEP_REGISTRY_AUTH_FILE, DOCKER_CONFIG) with an auths entry or a credential helper for the host';

function tokenKey(realm: string, service: string | undefined, scope: string): string {
  return `${realm}\n${service ?? ''}\n${scope}`;
}

function basicHeader(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}
