import { LockstepError } from '../errors.js';

const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The image tag for a commit: `{commit}` is the full 40 hex, `{shortCommit}` the first 7. */
export function renderTag(template: string, commit: string): string {
  const tag = template.replace(/\{(commit|shortCommit)\}/g, (_match, name: string) => (name === 'commit' ? commit : commit.slice(0, 7)));
  if (!tagPattern.test(tag)) {
    throw new LockstepError('BAD_INPUT', `tag template "${template}" gives "${tag}", which is not a valid image tag`, {
      hint: 'a tag starts with a letter, digit or "_" and has at most 128 characters',
    });
  }
  return tag;
}
