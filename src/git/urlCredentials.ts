/**
 * Credentials never travel inside a git URL: a URL is written into the clone's config, shown by `ps`
 * as an argument, echoed in git's progress and error lines and kept in run.json. The token of a
 * config repository comes from `tokenEnv` and reaches git as an HTTP header through its environment.
 */

/** Why `url` may not be used as it is, or null when it carries no credential. */
export function credentialInUrl(url: string): string | null {
  const [, schemeName, userinfo] = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)@/i.exec(url) ?? [];
  if (schemeName === undefined || userinfo === undefined) return null;
  const scheme = schemeName.toLowerCase();
  // An ssh user name (ssh://git@host) names an account, not a secret; a password never belongs there,
  // and over http(s) any user part is how tokens are passed (https://<token>@host, https://x:<token>@host).
  if (userinfo.includes(':')) return 'carries a password';
  if (scheme === 'http' || scheme === 'https') return 'carries a user name or token';
  return null;
}

const userinfoPattern = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@'"]*@/gi;

/** `text` with the user part of every URL in it replaced, so a credential that got in is never shown. */
export function redactUrls(text: string): string {
  return text.replace(userinfoPattern, (_whole, scheme: string) => `${scheme}***@`);
}
