import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeImageConfig } from '../../../src/registry/imageConfig.js';
import { ManifestError, mediaTypes, parseManifest, pickPlatformManifest } from '../../../src/registry/manifest.js';

const digest = (seed: string) => `sha256:${seed.repeat(64).slice(0, 64)}`;
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('manifest parsing', () => {
  it('reads an image manifest by Content-Type, ignoring parameters', () => {
    const parsed = parseManifest(body({ schemaVersion: 2, config: { mediaType: 'x', digest: digest('a') } }), `${mediaTypes.dockerManifest}; charset=utf-8`);
    assert.deepEqual(parsed, { kind: 'image', mediaType: mediaTypes.dockerManifest, config: { mediaType: 'x', digest: digest('a') } });
  });
  it('falls back to the body mediaType, then to the structure, when the registry sends a generic type', () => {
    const index = parseManifest(body({ mediaType: mediaTypes.ociIndex, manifests: [] }), 'application/json');
    assert.equal(index.kind, 'index');
    const bare = parseManifest(body({ schemaVersion: 2, manifests: [{ digest: digest('b'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }] }), undefined);
    assert.deepEqual(bare, {
      kind: 'index',
      mediaType: mediaTypes.ociIndex,
      manifests: [{ mediaType: '', digest: digest('b'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }],
    });
  });
  it('refuses schema 1, unknown types, bad digests and non-JSON', () => {
    assert.throws(() => parseManifest(body({ schemaVersion: 1, fsLayers: [] }), 'application/vnd.docker.distribution.manifest.v1+prettyjws'), /unsupported manifest type/);
    assert.throws(() => parseManifest(body({ schemaVersion: 2, config: { digest: 'sha256:short' } }), mediaTypes.ociManifest), /config\.digest is not a sha256 digest/);
    assert.throws(() => parseManifest(Buffer.from('<html>'), mediaTypes.ociManifest), ManifestError);
    assert.throws(() => parseManifest(body({ schemaVersion: 2 }), mediaTypes.ociIndex), /no manifests list/);
  });
  it('picks linux/amd64 from an index, else the first image, skipping attestations', () => {
    const arm = { mediaType: '', digest: digest('1'), platform: { os: 'linux', architecture: 'arm64' } };
    const amd = { mediaType: '', digest: digest('2'), platform: { os: 'linux', architecture: 'amd64' } };
    const attestation = { mediaType: '', digest: digest('3'), platform: { os: 'unknown', architecture: 'unknown' } };
    assert.equal(pickPlatformManifest([arm, attestation, amd])?.digest, amd.digest);
    assert.equal(pickPlatformManifest([attestation, arm])?.digest, arm.digest);
    assert.equal(pickPlatformManifest([attestation]), undefined);
    assert.equal(pickPlatformManifest([]), undefined);
  });
});

describe('image config summary', () => {
  it('reads created and string labels', () => {
    const summary = summarizeImageConfig(body({ created: '2026-01-02T03:04:05.123456789Z', config: { Labels: { a: '1', n: 2, z: null } } }));
    assert.deepEqual(summary, { created: '2026-01-02T03:04:05.123456789Z', labels: { a: '1' } });
  });
  it('copes with configs that record neither', () => {
    assert.deepEqual(summarizeImageConfig(body({ architecture: 'amd64' })), { created: null, labels: {} });
    assert.deepEqual(summarizeImageConfig(body({ created: '', config: { Labels: null } })), { created: null, labels: {} });
  });
  it('refuses configs that are not JSON objects', () => {
    assert.throws(() => summarizeImageConfig(Buffer.from('[]')), /not a JSON object/);
    assert.throws(() => summarizeImageConfig(Buffer.from('{')), /not valid JSON/);
  });
});
