import { after, it, type TestContext } from 'node:test';
import { recordAttacks } from './summary.js';

/**
 * An attack is a test that tries what an attacker would and passes only when lockstep refuses it.
 * Each file declaring attacks reports how many it tried and how many were refused; the reliability
 * summary's `security` line adds them up across files.
 */
export function attacks(source: string): (name: string, attempt: (t: TestContext) => Promise<void>) => void {
  let tried = 0;
  let refused = 0;
  after(async () => {
    if (tried > 0) await recordAttacks(source, tried, refused);
  });
  return (name, attempt) =>
    it(name, async (t) => {
      tried += 1;
      await attempt(t);
      refused += 1;
    });
}
