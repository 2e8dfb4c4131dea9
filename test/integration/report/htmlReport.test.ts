import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { writeRunReport } from '../../../src/report/writeRunReport.js';
import { failedRunReport } from '../../support/reportFixture.js';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

function runChromium(args: string[], profile: string): { stdout: string; status: number | null; stderr: string } {
  const result = spawnSync(
    chromium!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { encoding: 'utf8', timeout: 90_000 },
  );
  return { stdout: result.stdout, status: result.status, stderr: result.stderr };
}

it('the HTML run report renders in headless Chromium: stages, the failure and its rerun command', async (t) => {
  if (!chromium) {
    t.skip('chromium is not installed (apt-get install chromium)');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-report-'));
  const { html, json } = await writeRunReport(dir, failedRunReport());
  assert.equal(JSON.parse(await readFile(json, 'utf8')).status, 'failed');

  const dom = runChromium(['--dump-dom', `file://${html}`], join(dir, 'profile-dom'));
  assert.equal(dom.status, 0, dom.stderr);
  assert.match(dom.stdout, /<td>deploy<\/td>/);
  assert.match(dom.stdout, /Rerun this stage alone/);
  assert.match(dom.stdout, /lockstep deploy --env production --lock locks\/current\.lock\.yaml/);

  const screenshot = join(dir, 'report.png');
  const shot = runChromium([`--screenshot=${screenshot}`, '--window-size=1280,1400', '--hide-scrollbars', `file://${html}`], join(dir, 'profile-shot'));
  assert.equal(shot.status, 0, shot.stderr);
  const png = await readFile(screenshot);
  assert.deepEqual([...png.subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join(''), 'PNG');
  assert.ok((await stat(screenshot)).size > 20_000, 'a rendered page, not a blank image');
  if (process.env.LOCKSTEP_KEEP_SCREENSHOT) console.log(`screenshot: ${screenshot}`);
});
