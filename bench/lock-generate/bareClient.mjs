// The floor of bench/lock-generate: a plain node process that sends the registry exactly the requests
// lockstep sends (full: GET of each manifest and of its config blob; base: one HEAD per manifest), over
// the same keep-alive connections at the same concurrency, and does nothing else: no config, no git,
// no checks, no lock. What lockstep takes beyond this is lockstep's own cost.
//
//   node bench/lock-generate/bareClient.mjs <registry host> full|base <concurrency> <file of repository:tag lines>
import { readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { Agent, request } from 'node:http';

const [host, mode, concurrencyText, listFile] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const [hostname, port] = host.split(':');
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const accept = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
let sent = 0;

function send(method, path) {
  sent += 1;
  return new Promise((resolve, reject) => {
    const req = request({ method, hostname, port, path, agent, headers: { accept } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${method} ${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

const refs = readFileSync(listFile, 'utf8').split('\n').filter(Boolean).map((line) => {
  const at = line.lastIndexOf(':');
  return { repository: line.slice(0, at), tag: line.slice(at + 1) };
});
let next = 0;
async function worker() {
  for (let index = next++; index < refs.length; index = next++) {
    const { repository, tag } = refs[index];
    if (mode === 'base') {
      await send('HEAD', `/v2/${repository}/manifests/${tag}`);
      continue;
    }
    const manifest = JSON.parse((await send('GET', `/v2/${repository}/manifests/${tag}`)).toString('utf8'));
    await send('GET', `/v2/${repository}/blobs/${manifest.config.digest}`);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
agent.destroy();
process.stdout.write(`${JSON.stringify({ requests: sent })}\n`);
