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
  { name: 'service name with ../', category: 'lock', files: { 'l.yaml': renamedService('../etc') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'] },
  { name: 'service name with /', category: 'lock', files: { 'l.yaml': renamedService('team/cart') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'] },
  { name: 'service name with a space', category: 'lock', files: { 'l.yaml': renamedService('my cart') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'] },
  { name: 'service name with $(...)', category: 'lock', files: { 'l.yaml': renamedService('$(touch pwned)') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'], mustNotExist: ['pwned'] },
  { name: 'service name with backticks', category: 'lock', files: { 'l.yaml': renamedService('`touch pwned`') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'], mustNotExist: ['pwned'] },
  { name: 'service name with ;', category: 'lock', files: { 'l.yaml': renamedService('cart;touch pwned') }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'], mustNotExist: ['pwned'] },
  { name: 'service name over 63 characters', category: 'lock', files: { 'l.yaml': renamedService('s'.repeat(64)) }, args: verify('l.yaml'), mentions: ['l.yaml', 'services'] },
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
