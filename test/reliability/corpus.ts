import { stringify } from 'yaml';
import { sealLock } from '../../src/lock/integrity.js';
import { serializeLock } from '../../src/lock/serialize.js';
import type { ReleaseLock } from '../../src/lock/schema.js';
import { makeLock, service } from '../support/lockFixtures.js';

/**
 * Malformed inputs, each with the command that reads it and what the one-line error must name.
 * Every case must end with exit code 2, exactly one line on stderr naming the file and the field,
 * no stack trace, and nothing written.
 */
export interface BadInputCase {
  name: string;
  category: 'lock' | 'config' | 'compose' | 'arguments';
  /** Files created in a fresh directory before the run (relative paths). */
  files: Record<string, string | Uint8Array>;
  args: string[];
  /** Substrings the error line must contain: the file, and the field when there is one. */
  mentions: string[];
  /** Files that must not exist after the run (outputs that a failed run must not leave). */
  mustNotExist?: string[];
  /** Substrings the output must not contain (a secret given by mistake is never echoed). */
  mustNotMention?: string[];
  /** Environment variables for the run (an empty string unsets one for lockstep's purposes). */
  env?: Record<string, string>;
}

const validLock = makeLock({ catalog: service('catalog'), cart: service('cart') });
const lockText = serializeLock(validLock);

/** Serialises a lock that was edited and resealed, so the integrity matches and only the edit is wrong. */
function resealed(edit: (lock: Record<string, any>) => void): string {
  const copy = structuredClone(validLock) as Record<string, any>;
  edit(copy);
  const { integrity: _drop, ...body } = copy;
  return stringify(sealLock(body as ReleaseLock), { sortMapEntries: true });
}

function renamedService(name: string): string {
  return resealed((lock) => {
    lock.services = { [name]: lock.services.catalog };
  });
}

function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'bcdefghij'.split('');
  let previous = 'a';
  for (const name of names) {
    lines.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${previous}`).join(',')}]`);
    previous = name;
  }
  return `${lines.join('\n')}\n`;
}

const verify = (file: string) => ['lock', 'verify', file];

export const lockCases: BadInputCase[] = [
  { name: 'truncated YAML', category: 'lock', files: { 'l.yaml': lockText.slice(0, lockText.indexOf('digest:') + 12) + '\n  "x' }, args: verify('l.yaml'), mentions: ['l.yaml', 'line'] },
  { name: 'truncated JSON', category: 'lock', files: { 'l.json': JSON.stringify(validLock).slice(0, 120) }, args: verify('l.json'), mentions: ['l.json', 'line'] },
  { name: 'duplicate keys', category: 'lock', files: { 'l.yaml': `kind: ReleaseLock\n${lockText}` }, args: verify('l.yaml'), mentions: ['l.yaml', 'kind', 'duplicate'] },
  { name: 'YAML alias bomb (billion laughs)', category: 'lock', files: { 'l.yaml': billionLaughs() }, args: verify('l.yaml'), mentions: ['l.yaml', 'alias'] },
  { name: '50 MB file', category: 'lock', files: { 'l.yaml': new Uint8Array(50 * 1024 * 1024).fill(0x61) }, args: verify('l.yaml'), mentions: ['l.yaml', 'limit'] },
  { name: 'non-UTF-8 bytes', category: 'lock', files: { 'l.yaml': Buffer.concat([Buffer.from(lockText.slice(0, 40)), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\n')]) }, args: verify('l.yaml'), mentions: ['l.yaml', 'UTF-8'] },
  { name: 'empty file', category: 'lock', files: { 'l.yaml': '' }, args: verify('l.yaml'), mentions: ['l.yaml', 'empty'] },
  { name: 'several YAML documents', category: 'lock', files: { 'l.yaml': `${lockText}---\n${lockText}` }, args: verify('l.yaml'), mentions: ['l.yaml', 'several'] },
  { name: 'a list instead of a lock', category: 'lock', files: { 'l.yaml': '- catalog\n- cart\n' }, args: verify('l.yaml'), mentions: ['l.yaml', '(top level)'] },
  { name: 'wrong apiVersion', category: 'lock', files: { 'l.yaml': resealed((l) => (l.apiVersion = 'lockstep/v2')) }, args: verify('l.yaml'), mentions: ['l.yaml', 'apiVersion'] },
  { name: 'wrong kind', category: 'lock', files: { 'l.yaml': resealed((l) => (l.kind = 'Lock')) }, args: verify('l.yaml'), mentions: ['l.yaml', 'kind'] },
  { name: 'unknown top-level field', category: 'lock', files: { 'l.yaml': resealed((l) => (l.environment = 'prod')) }, args: verify('l.yaml'), mentions: ['l.yaml', 'environment', 'unknown field'] },
  { name: 'unknown service field', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services.cart.replicas = 3)) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services.cart.replicas', 'unknown field'] },
  { name: 'digest with 63 hex digits', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services.cart.digest = `sha256:${'a'.repeat(63)}`)) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services.cart.digest'] },
  { name: 'digest with 65 hex digits', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services.cart.digest = `sha256:${'a'.repeat(65)}`)) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services.cart.digest'] },
  { name: 'upper-case digest', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services.cart.digest = `sha256:${'AB'.repeat(32)}`)) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services.cart.digest'] },
  { name: '`latest` instead of a digest', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services.cart.digest = 'latest')) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services.cart.digest'] },
  { name: 'a tag instead of a digest', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services.cart.digest = 'v1.4.2')) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services.cart.digest'] },
  { name: 'sha512 digest', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services.cart.digest = `sha512:${'a'.repeat(128)}`)) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services.cart.digest'] },
  { name: 'image carrying its own tag', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services.cart.image = 'localhost:5000/acme/cart:latest')) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services.cart.image', 'tag'] },
  { name: 'image carrying its own digest', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services.cart.image = `localhost:5000/acme/cart@sha256:${'a'.repeat(64)}`)) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services.cart.image', 'digest'] },
  { name: 'short commit', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services.cart.commit = 'abc1234')) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services.cart.commit'] },
  { name: 'upper-case commit', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services.cart.commit = 'ABCDEF0123456789ABCDEF0123456789ABCDEF01')) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services.cart.commit'] },
  { name: 'source commit of 41 hex digits', category: 'lock', files: { 'l.yaml': resealed((l) => (l.source.commit = 'a'.repeat(41))) }, args: verify('l.yaml'), mentions: ['l.yaml', 'source.commit'] },
  { name: 'service name with ../', category: 'lock', files: { 'l.yaml': renamedService('../etc') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services["../etc"]', 'DNS label'] },
  { name: 'service name with /', category: 'lock', files: { 'l.yaml': renamedService('team/cart') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'] },
  { name: 'service name with a space', category: 'lock', files: { 'l.yaml': renamedService('my cart') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'] },
  { name: 'service name with $(...)', category: 'lock', files: { 'l.yaml': renamedService('$(touch pwned)') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'], mustNotExist: ['pwned'] },
  { name: 'service name with backticks', category: 'lock', files: { 'l.yaml': renamedService('`touch pwned`') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'], mustNotExist: ['pwned'] },
  { name: 'service name with ;', category: 'lock', files: { 'l.yaml': renamedService('cart;touch pwned') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'], mustNotExist: ['pwned'] },
  { name: 'service name over 63 characters', category: 'lock', files: { 'l.yaml': renamedService('s'.repeat(64)) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services', 'at most 63'] },
  { name: 'service name with a newline and a terminal escape', category: 'lock', files: { 'l.yaml': renamedService('cart\n\u001b[2Jx') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services["cart\\n\\u001b[2Jx"]', 'DNS label'] },
  { name: 'integrity that does not match', category: 'lock', files: { 'l.yaml': lockText.replace(/tag: sha-(\w+)/, 'tag: sha-0000000') }, args: verify('l.yaml'), mentions: ['l.yaml', 'integrity'] },
  { name: 'empty services map', category: 'lock', files: { 'l.yaml': resealed((l) => (l.services = {})) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'] },
  { name: 'createdAt with a time-zone offset', category: 'lock', files: { 'l.yaml': resealed((l) => (l.createdAt = '2026-11-21T13:00:00+01:00')) }, args: verify('l.yaml'), mentions: ['l.yaml', 'createdAt'] },
  { name: 'lock path is a directory', category: 'lock', files: { 'dir/.keep': '' }, args: verify('dir'), mentions: ['dir', 'directory'] },
  { name: 'lock file missing', category: 'lock', files: {}, args: verify('missing.lock.yaml'), mentions: ['missing.lock.yaml', 'not found'] },
  { name: 'diff with one malformed side', category: 'lock', files: { 'a.yaml': lockText, 'b.yaml': resealed((l) => (l.services.cart.tag = 'bad tag!')) }, args: ['lock', 'diff', 'a.yaml', 'b.yaml'], mentions: ['b.yaml', 'services.cart.tag'] },
];

export const argumentCases: BadInputCase[] = [
  { name: 'unknown command', category: 'arguments', files: {}, args: ['lock', 'explode'], mentions: ['explode'] },
  { name: 'unknown option', category: 'arguments', files: { 'l.yaml': lockText }, args: ['lock', 'verify', 'l.yaml', '--frobnicate'], mentions: ['--frobnicate'] },
  { name: 'missing argument', category: 'arguments', files: {}, args: ['lock', 'diff', 'only-one.yaml'], mentions: ['new'] },
];

// ---- config files (lockstep.config.yaml) -------------------------------------------------------

/** A compose project no other run uses, so "nothing was created" can be checked by its label. */
export const deployProject = `lsrel-bad-${process.pid}`;

export function validConfig(): Record<string, any> {
  return {
    apiVersion: 'lockstep/v1',
    kind: 'Config',
    repository: 'acme/shop',
    services: {
      cart: { path: 'services/cart', image: 'localhost:5000/acme/cart' },
      catalog: { path: 'services/catalog', image: 'localhost:5000/acme/catalog' },
    },
    stack: { composeFile: 'compose.yaml' },
    environments: {
      staging: { target: { type: 'compose', project: deployProject }, lease: { ttlMs: 10_000 } },
    },
  };
}

const configText = stringify(validConfig());

function config(edit: (config: Record<string, any>) => void): string {
  const copy = validConfig();
  edit(copy);
  return stringify(copy);
}

const composeText = stringify({
  services: {
    catalog: { image: 'localhost:5000/acme/catalog:dev', expose: ['8080'] },
    cart: { image: 'localhost:5000/acme/cart:dev', expose: ['8080'], depends_on: ['catalog'] },
  },
});

/** `lock generate` reads the config before anything else; its --out must never appear. */
const generate = ['-c', 'c.yaml', 'lock', 'generate', '--out', 'out.lock.yaml'];
const noLock = ['out.lock.yaml'];
const withConfig = (text: string) => ({ 'c.yaml': text, 'compose.yaml': composeText });

export const configCases: BadInputCase[] = [
  { name: 'config: truncated YAML', category: 'config', files: withConfig(configText.slice(0, configText.indexOf('image:') + 8) + '\n  - [x'), args: generate, mentions: ['c.yaml', 'line'], mustNotExist: noLock },
  { name: 'config: duplicate key', category: 'config', files: withConfig(`${configText}services: {}\n`), args: generate, mentions: ['c.yaml', 'services', 'duplicate'], mustNotExist: noLock },
  { name: 'config: file missing', category: 'config', files: {}, args: generate, mentions: ['c.yaml', 'not found'], mustNotExist: noLock },
  { name: 'config: wrong apiVersion', category: 'config', files: withConfig(config((c) => (c.apiVersion = 'lockstep/v0'))), args: generate, mentions: ['c.yaml', 'apiVersion'], mustNotExist: noLock },
  { name: 'config: wrong kind', category: 'config', files: withConfig(config((c) => (c.kind = 'ReleaseLock'))), args: generate, mentions: ['c.yaml', 'kind'], mustNotExist: noLock },
  { name: 'config: unknown top-level field', category: 'config', files: withConfig(config((c) => (c.servcies = {}))), args: generate, mentions: ['c.yaml', 'servcies', 'unknown field'], mustNotExist: noLock },
  { name: 'config: unknown service field', category: 'config', files: withConfig(config((c) => (c.services.cart.replicas = 2))), args: generate, mentions: ['c.yaml', 'services.cart.replicas', 'unknown field'], mustNotExist: noLock },
  { name: 'config: image with its own tag', category: 'config', files: withConfig(config((c) => (c.services.cart.image = 'localhost:5000/acme/cart:latest'))), args: generate, mentions: ['c.yaml', 'services.cart.image', 'tag'], mustNotExist: noLock },
  { name: 'config: image with its own digest', category: 'config', files: withConfig(config((c) => (c.services.cart.image = `localhost:5000/acme/cart@sha256:${'b'.repeat(64)}`))), args: generate, mentions: ['c.yaml', 'services.cart.image', 'digest'], mustNotExist: noLock },
  { name: 'config: upper-case image repository', category: 'config', files: withConfig(config((c) => (c.services.cart.image = 'localhost:5000/Acme/Cart'))), args: generate, mentions: ['c.yaml', 'services.cart.image'], mustNotExist: noLock },
  { name: 'config: tag template with an unknown placeholder', category: 'config', files: withConfig(config((c) => (c.services.cart.tag = '{branch}-{shortCommit}'))), args: generate, mentions: ['c.yaml', 'services.cart.tag', 'placeholder'], mustNotExist: noLock },
  { name: 'config: tag template with shell characters', category: 'config', files: withConfig(config((c) => (c.services.cart.tag = 'sha-$(id)'))), args: generate, mentions: ['c.yaml', 'services.cart.tag'], mustNotExist: noLock },
  { name: 'config: submodule path with ..', category: 'config', files: withConfig(config((c) => (c.services.cart.path = 'services/../../etc'))), args: generate, mentions: ['c.yaml', 'services.cart.path'], mustNotExist: noLock },
  { name: 'config: absolute submodule path', category: 'config', files: withConfig(config((c) => (c.services.cart.path = '/etc/passwd'))), args: generate, mentions: ['c.yaml', 'services.cart.path'], mustNotExist: noLock },
  { name: 'config: upper-case service name', category: 'config', files: withConfig(config((c) => (c.services = { Cart: c.services.cart }))), args: generate, mentions: ['c.yaml', 'services'], mustNotExist: noLock },
  { name: 'config: service name with ../', category: 'config', files: withConfig(config((c) => (c.services = { '../cart': c.services.cart }))), args: generate, mentions: ['c.yaml', 'services'], mustNotExist: noLock },
  { name: 'config: service name with $(...)', category: 'config', files: withConfig(config((c) => (c.services = { '$(touch pwned)': c.services.cart }))), args: generate, mentions: ['c.yaml', 'services'], mustNotExist: [...noLock, 'pwned'] },
  { name: 'config: service name with ; and a space', category: 'config', files: withConfig(config((c) => (c.services = { 'cart; touch pwned': c.services.cart }))), args: generate, mentions: ['c.yaml', 'services'], mustNotExist: [...noLock, 'pwned'] },
  { name: 'config: service name over 63 characters', category: 'config', files: withConfig(config((c) => (c.services = { [`c${'a'.repeat(63)}`]: c.services.cart }))), args: generate, mentions: ['c.yaml', 'services'], mustNotExist: noLock },
  { name: 'config: empty services map', category: 'config', files: withConfig(config((c) => (c.services = {}))), args: generate, mentions: ['c.yaml', 'services'], mustNotExist: noLock },
  { name: 'config: services missing', category: 'config', files: withConfig(config((c) => delete c.services)), args: generate, mentions: ['c.yaml', 'services'], mustNotExist: noLock },
  { name: 'config: registry retries out of range', category: 'config', files: withConfig(config((c) => (c.registry = { retries: 1000 }))), args: generate, mentions: ['c.yaml', 'registry.retries'], mustNotExist: noLock },
  { name: 'config: environment with an unknown target type', category: 'config', files: withConfig(config((c) => (c.environments.staging.target = { type: 'nomad', job: 'shop' }))), args: ['-c', 'c.yaml', 'health', '--env', 'staging'], mentions: ['c.yaml', 'environments.staging.target'] },
  { name: 'config: environment name not a DNS label', category: 'config', files: withConfig(config((c) => (c.environments = { Prod_1: c.environments.staging }))), args: ['-c', 'c.yaml', 'health', '--env', 'Prod_1'], mentions: ['c.yaml', 'environments.Prod_1'] },
  { name: 'config: compose project with upper case', category: 'config', files: withConfig(config((c) => (c.environments.staging.target.project = 'Shop Staging'))), args: ['-c', 'c.yaml', 'health', '--env', 'staging'], mentions: ['c.yaml', 'environments.staging.target.project'] },
  { name: 'config: dockerHost that is not a URL', category: 'config', files: withConfig(config((c) => (c.environments.staging.target.dockerHost = 'my-host; rm -rf /'))), args: ['-c', 'c.yaml', 'health', '--env', 'staging'], mentions: ['c.yaml', 'environments.staging.target.dockerHost'] },
  { name: 'config: lease ttl below the floor', category: 'config', files: withConfig(config((c) => (c.environments.staging.lease.ttlMs = 5))), args: ['-c', 'c.yaml', 'health', '--env', 'staging'], mentions: ['c.yaml', 'environments.staging.lease.ttlMs'] },
  { name: 'config: smoke probe with an invalid regular expression', category: 'config', files: withConfig(config((c) => (c.environments.staging.smoke = { probes: [{ name: 'home', url: 'http://127.0.0.1:1/', bodyMatch: '([' }] }))), args: ['-c', 'c.yaml', 'smoke', '--env', 'staging'], mentions: ['c.yaml', 'environments.staging.smoke.probes[0].bodyMatch'] },
  { name: 'config: migration image pinned by tag', category: 'config', files: withConfig(config((c) => (c.environments.staging.migration = { image: 'localhost:5000/acme/migrate:latest', command: ['migrate'] }))), args: ['-c', 'c.yaml', 'health', '--env', 'staging'], mentions: ['c.yaml', 'environments.staging.migration.image'] },
  { name: 'config: stack suites with one name twice', category: 'config', files: withConfig(config((c) => (c.stack.suites = [{ name: 'e2e', command: ['node', 'a.mjs'] }, { name: 'e2e', command: ['node', 'b.mjs'] }]))), args: ['-c', 'c.yaml', 'stack', 'plan'], mentions: ['c.yaml', 'stack.suites'] },
  { name: 'config: github repository not owner/name', category: 'config', files: withConfig(config((c) => (c.github = { repository: 'acme/shop/extra' }))), args: ['-c', 'c.yaml', 'lock', 'generate'], mentions: ['c.yaml', 'github.repository'] },
];

// ---- compose files (`lockstep stack plan`) -----------------------------------------------------

function compose(edit: (compose: Record<string, any>) => void): string {
  const copy = {
    services: {
      catalog: { image: 'localhost:5000/acme/catalog:dev', expose: ['8080'] },
      cart: { image: 'localhost:5000/acme/cart:dev', expose: ['8080'], depends_on: ['catalog'] },
    } as Record<string, any>,
  } as Record<string, any>;
  edit(copy);
  return stringify(copy);
}

const plan = ['-c', 'c.yaml', 'stack', 'plan'];
const withCompose = (text: string) => ({ 'c.yaml': configText, 'compose.yaml': text });

export const composeCases: BadInputCase[] = [
  // Keys compose itself refuses; keys compose runs (include, privileged, network_mode, Web_1) are passed through since issue 15.
  { name: 'compose: top-level key compose does not know', category: 'compose', files: withCompose(compose((c) => (c.servcies = {}))), args: plan, mentions: ['compose.yaml', 'servcies', 'not a compose key'] },
  { name: 'compose: service key compose does not know', category: 'compose', files: withCompose(compose((c) => (c.services.cart.privilegd = true))), args: plan, mentions: ['compose.yaml', 'services.cart.privilegd', 'not a compose service key'] },
  { name: 'compose: network_mode of an unknown service', category: 'compose', files: withCompose(compose((c) => (c.services.cart.network_mode = 'service:inventory'))), args: plan, mentions: ['compose.yaml', 'services.cart.network_mode', 'inventory'] },
  { name: 'compose: bad service name', category: 'compose', files: withCompose(compose((c) => (c.services['web app'] = { image: 'localhost:5000/acme/web:1' }))), args: plan, mentions: ['compose.yaml', 'web app'] },
  { name: 'compose: included file missing', category: 'compose', files: withCompose(compose((c) => (c.include = ['other.yaml']))), args: plan, mentions: ['other.yaml', 'not found'] },
  { name: 'compose: image tag interpolates to empty', category: 'compose', files: withCompose(compose((c) => (c.services.cart.image = 'localhost:5000/acme/cart:${CART_TAG}'))), args: plan, mentions: ['compose.yaml', 'services.cart.image', 'empty tag'] },
  { name: 'compose: depends_on an unknown service', category: 'compose', files: withCompose(compose((c) => (c.services.cart.depends_on = ['inventory']))), args: plan, mentions: ['compose.yaml', 'services.cart.depends_on', 'inventory'] },
  { name: 'compose: a service with neither image nor build', category: 'compose', files: withCompose(compose((c) => (c.services.cart = { expose: ['8080'] }))), args: plan, mentions: ['compose.yaml', 'services.cart'] },
  { name: 'compose: healthcheck interval that is not a duration', category: 'compose', files: withCompose(compose((c) => (c.services.cart.healthcheck = { test: ['CMD', 'true'], interval: 'two minutes' }))), args: plan, mentions: ['compose.yaml', 'services.cart.healthcheck.interval'] },
  { name: 'compose: remote build context', category: 'compose', files: withCompose(compose((c) => (c.services.cart = { build: 'https://example.invalid/repo.git' }))), args: plan, mentions: ['compose.yaml', 'services.cart.build'] },
  { name: 'compose: required variable unset', category: 'compose', files: withCompose(compose((c) => (c.services.cart.image = '${CART_IMAGE:?set CART_IMAGE}'))), args: plan, mentions: ['compose.yaml', 'services.cart.image', 'CART_IMAGE'] },
  { name: 'compose: YAML alias bomb', category: 'compose', files: withCompose(billionLaughs()), args: plan, mentions: ['compose.yaml', 'alias'] },
  { name: 'compose: file missing', category: 'compose', files: { 'c.yaml': configText }, args: plan, mentions: ['compose.yaml', 'not found'] },
  { name: 'compose: lock naming a service compose lacks', category: 'compose', files: { ...withCompose(composeText), 'l.yaml': serializeLock(makeLock({ catalog: service('catalog'), cart: service('cart'), search: service('search') })) }, args: [...plan, '--lock', 'l.yaml'], mentions: ['l.yaml', 'services.search'] },
];

// ---- deploy-shaped commands: refused before anything touches Docker ----------------------------

/** Cases whose command would act on the compose project `deployProject`: nothing of it may exist afterwards. */
export interface DeployCase extends BadInputCase {
  dockerProject: string;
}

const lockOf = (names: string[]) => serializeLock(makeLock(Object.fromEntries(names.map((name) => [name, service(name)]))));
const deployFiles = (lock: string) => ({ ...withConfig(configText), 'l.yaml': lock });
const deploy = ['-c', 'c.yaml', 'deploy', '--env', 'staging', '--lock', 'l.yaml', '--holder', 'reliability'];

export const deployCases: DeployCase[] = [
  { name: 'deploy: lock with an upper-case digest', category: 'lock', files: deployFiles(resealed((l) => (l.services.cart.digest = `sha256:${'C'.repeat(64)}`))), args: deploy, mentions: ['l.yaml', 'services.cart.digest'], dockerProject: deployProject },
  { name: 'deploy: lock edited after it was sealed', category: 'lock', files: deployFiles(lockText.replace(/digest: sha256:(\w)/, 'digest: sha256:0')), args: deploy, mentions: ['l.yaml', 'integrity'], dockerProject: deployProject },
  { name: 'deploy: lock with a service the config lacks', category: 'lock', files: deployFiles(lockOf(['cart', 'catalog', 'search'])), args: deploy, mentions: ['l.yaml', 'services.search', 'c.yaml'], dockerProject: deployProject },
  { name: 'deploy: lock missing a configured service', category: 'lock', files: deployFiles(lockOf(['catalog'])), args: deploy, mentions: ['l.yaml', 'services.cart', 'c.yaml'], dockerProject: deployProject },
  { name: 'deploy: unknown --env', category: 'arguments', files: deployFiles(lockText), args: ['-c', 'c.yaml', 'deploy', '--env', 'production', '--lock', 'l.yaml'], mentions: ['--env', 'production'], dockerProject: deployProject },
  { name: 'lock verify --config: lock with a service the config lacks', category: 'lock', files: deployFiles(lockOf(['cart', 'catalog', 'search'])), args: ['lock', 'verify', 'l.yaml', '--config', 'c.yaml'], mentions: ['l.yaml', 'services.search', 'c.yaml'], dockerProject: deployProject },
  { name: 'lock verify --config: lock missing a configured service', category: 'lock', files: deployFiles(lockOf(['cart'])), args: ['lock', 'verify', 'l.yaml', '--config', 'c.yaml'], mentions: ['l.yaml', 'services.catalog', 'c.yaml'], dockerProject: deployProject },
];

// ---- more command-line arguments ---------------------------------------------------------------

const withLock = { 'l.yaml': lockText };
/** Shaped like a GitHub Actions token, made up here. */
const tokenLike = `ghs_${'Zq7'.repeat(12)}`;

export const moreArgumentCases: BadInputCase[] = [
  { name: 'bad --pr', category: 'arguments', files: withLock, args: ['pr', 'comment', '--pr', 'abc', '--lock', 'l.yaml'], mentions: ['--pr', 'abc'] },
  { name: 'negative --pr', category: 'arguments', files: withLock, args: ['gate', 'approvals', '--pr', '-3'], mentions: ['--pr'] },
  { name: '--required 0', category: 'arguments', files: withLock, args: ['gate', 'approvals', '--pr', '7', '--required', '0'], mentions: ['--required', '0'] },
  { name: '--version 1.2 without v and patch', category: 'arguments', files: withLock, args: ['release', 'archive', '--lock', 'l.yaml', '--version', '1.2'], mentions: ['--version', '1.2'], mustNotExist: ['locks'] },
  { name: '--version with build metadata (default subcommand)', category: 'arguments', files: withLock, args: ['release', '--lock', 'l.yaml', '--version', 'v1.2.3+build.7'], mentions: ['--version', 'v1.2.3+build.7'], mustNotExist: ['locks'] },
  { name: '--version ../ escaping the archive', category: 'arguments', files: withLock, args: ['release', 'archive', '--lock', 'l.yaml', '--version', '../../v1.0.0'], mentions: ['--version'], mustNotExist: ['locks'] },
  { name: 'release publish --version 1.2', category: 'arguments', files: withLock, args: ['release', 'publish', '--lock', 'l.yaml', '--version', '1.2'], mentions: ['--version', '1.2'] },
  { name: 'unknown --env', category: 'arguments', files: withConfig(configText), args: ['-c', 'c.yaml', 'health', '--env', 'prod'], mentions: ['--env', 'prod'] },
  { name: '--timeout xyz', category: 'arguments', files: { ...withConfig(configText), ...withLock }, args: ['-c', 'c.yaml', 'stack', 'up', '--lock', 'l.yaml', '--timeout', 'xyz'], mentions: ['--timeout', 'xyz'] },
  { name: '--project with upper case', category: 'arguments', files: { ...withConfig(configText), ...withLock }, args: ['-c', 'c.yaml', 'stack', 'up', '--lock', 'l.yaml', '--project', 'My Stack'], mentions: ['--project'] },
  { name: '--pull-request 0', category: 'arguments', files: withConfig(configText), args: ['-c', 'c.yaml', 'lock', 'generate', '--pull-request', '0', '--out', 'out.lock.yaml'], mentions: ['--pull-request'], mustNotExist: noLock },
  { name: '--only without --base', category: 'arguments', files: withConfig(configText), args: ['-c', 'c.yaml', 'lock', 'generate', '--only', 'cart', '--out', 'out.lock.yaml'], mentions: ['--only', '--base'], mustNotExist: noLock },
  { name: '--token-env that is not a variable name', category: 'arguments', files: withLock, args: ['pr', 'comment', '--pr', '4', '--lock', 'l.yaml', '--token-env', 'GITHUB TOKEN'], mentions: ['--token-env'] },
  { name: '--token-env naming an unset variable', category: 'arguments', files: withLock, args: ['pr', 'comment', '--pr', '4', '--lock', 'l.yaml', '--token-env', 'LOCKSTEP_UNSET_TOKEN_VARIABLE'], mentions: ['LOCKSTEP_UNSET_TOKEN_VARIABLE'], env: { LOCKSTEP_UNSET_TOKEN_VARIABLE: '' } },
  { name: '--branch with ..', category: 'arguments', files: withLock, args: ['pr', 'commit-lock', '--branch', 'main/../x', '--lock', 'l.yaml'], mentions: ['--branch'] },
  { name: '--expected-head not 40 hex', category: 'arguments', files: withLock, args: ['pr', 'commit-lock', '--branch', 'staging', '--lock', 'l.yaml', '--expected-head', 'abc123'], mentions: ['--expected-head'] },
  { name: '--run-url that is not http', category: 'arguments', files: withLock, args: ['pr', 'open-promotion', '--lock', 'l.yaml', '--run-url', 'javascript:alert(1)'], mentions: ['--run-url'] },
  { name: '--from equal to --to', category: 'arguments', files: withLock, args: ['pr', 'open-promotion', '--lock', 'l.yaml', '--from', 'main', '--to', 'main'], mentions: ['--to', '--from'] },
  { name: 'lock export --format not offered', category: 'arguments', files: withLock, args: ['lock', 'export', '--format', 'helm', '--lock', 'l.yaml', '--out', 'x.json'], mentions: ['--format', 'helm'], mustNotExist: ['x.json'] },
  { name: 'required --lock missing', category: 'arguments', files: withConfig(configText), args: ['-c', 'c.yaml', 'deploy', '--env', 'staging'], mentions: ['--lock'] },
  { name: 'rollback --to that is not a version', category: 'arguments', files: withConfig(configText), args: ['-c', 'c.yaml', 'rollback', '--env', 'staging', '--to', 'last-good'], mentions: ['--to', 'last-good', 'not a release version'] },
  { name: 'rollback --to-lock that is not an integrity', category: 'arguments', files: withConfig(configText), args: ['-c', 'c.yaml', 'rollback', '--env', 'staging', '--to-lock', 'v1.0.0'], mentions: ['--to-lock', 'sha256'] },
  { name: 'rollback --to and --to-lock together', category: 'arguments', files: withConfig(configText), args: ['-c', 'c.yaml', 'rollback', '--env', 'staging', '--to', 'v1.0.0', '--to-lock', `sha256:${'a'.repeat(64)}`], mentions: ['--to-lock', '--to'] },
  { name: 'release resolve --bump not a level', category: 'arguments', files: withLock, args: ['release', 'resolve', '--offline', '--lock', 'l.yaml', '--bump', 'huge'], mentions: ['--bump', 'huge'] },
  { name: 'release resolve --version not a version', category: 'arguments', files: withLock, args: ['release', 'resolve', '--offline', '--lock', 'l.yaml', '--commit', 'a'.repeat(40), '--version', 'v1.2'], mentions: ['--version', 'v1.2'] },
  { name: 'release commit-archive --version escaping the archive', category: 'arguments', files: withLock, args: ['release', 'commit-archive', '--version', '../../v1.0.0'], mentions: ['--version'] },
  { name: '--env with a newline and a terminal escape', category: 'arguments', files: withConfig(configText), args: ['-c', 'c.yaml', 'health', '--env', 'prod\n\u001b[31mred'], mentions: ['--env', 'prod\\n\\x1b[31mred'] },
  { name: '--project with a newline', category: 'arguments', files: { ...withConfig(configText), ...withLock }, args: ['-c', 'c.yaml', 'stack', 'up', '--lock', 'l.yaml', '--project', 'shop\nstaging'], mentions: ['--project', 'shop\\nstaging'] },
  { name: 'a token passed to --token-env instead of a variable name', category: 'arguments', files: withLock, args: ['pr', 'comment', '--pr', '4', '--lock', 'l.yaml', '--token-env', tokenLike], mentions: ['--token-env', 'not repeated'], mustNotMention: [tokenLike] },
  { name: 'a secret with a space passed to --token-env', category: 'arguments', files: withLock, args: ['gate', 'approvals', '--pr', '4', '--token-env', 'hunter2 is my password'], mentions: ['--token-env'], mustNotMention: ['hunter2'] },
  { name: '--markdown-summary without a file or GITHUB_STEP_SUMMARY', category: 'arguments', files: withConfig(configText), args: ['-c', 'c.yaml', 'health', '--env', 'staging', '--markdown-summary'], mentions: ['--markdown-summary'], env: { GITHUB_STEP_SUMMARY: '' } },
];
