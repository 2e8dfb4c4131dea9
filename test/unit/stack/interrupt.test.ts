import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const moduleUrl = new URL('../../../src/stack/interrupt.ts', import.meta.url).href;

/**
 * A child process runs work that only ends when aborted (like a compose up being watched); the test
 * signals it and reads, from its output, the order in which things happened.
 */
function runChild(signal: NodeJS.Signals, workSettleMs: number): Promise<{ code: number | null; lines: string[] }> {
  const script = `
    import { withTeardownOnSignal } from ${JSON.stringify(moduleUrl)};
    const log = (line) => process.stdout.write(line + '\\n');
    await withTeardownOnSignal(
      (signal) => new Promise((_resolve, reject) => {
        log('working');
        // Real work always holds a timer or a child process; signal handlers alone keep no process alive.
        const poll = setInterval(() => {}, 1000);
        signal.addEventListener('abort', () => setTimeout(() => { clearInterval(poll); log('work stopped'); reject(signal.reason); }, ${workSettleMs}));
      }),
      async () => { log('teardown'); },
      (message) => log('notice: ' + message),
    );
    log('not reached');
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('working\n') && !child.killed) child.kill(signal);
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, lines: out.trim().split('\n') }));
  });
}

describe('teardown on interrupt', () => {
  it('on SIGTERM aborts the work, waits for it to stop, tears down, and exits 143', async () => {
    const { code, lines } = await runChild('SIGTERM', 200);
    assert.equal(code, 143);
    assert.deepEqual(lines, ['working', 'notice: SIGTERM: stopping and tearing the stack down (send it again to exit at once)', 'work stopped', 'teardown']);
  });

  it('on SIGINT exits 130 after the teardown', async () => {
    const { code, lines } = await runChild('SIGINT', 0);
    assert.equal(code, 130);
    assert.equal(lines.at(-1), 'teardown');
    assert.ok(!lines.includes('not reached'));
  });
});
