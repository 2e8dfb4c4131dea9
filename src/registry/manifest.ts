export const mediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** Sent with every manifest request: without it some registries answer with a legacy schema 1 manifest. */
export const manifestAccept = [mediaTypes.ociIndex, mediaTypes.ociManifest, mediaTypes.dockerManifestList, mediaTypes.dockerManifest].join(', ');

const indexTypes = new Set<string>([mediaTypes.ociIndex, mediaTypes.dockerManifestList]);
const imageTypes = new Set<string>([mediaTypes.ociManifest, mediaTypes.dockerManifest]);

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  platform?: Platform;
}

export type ParsedManifest =
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] }
  | { kind: 'image'; mediaType: string; config: Descriptor };

/** Thrown with a problem statement; the caller adds which image it was. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;

/**
 * Reads an image manifest or an index (multi-arch). The type comes from Content-Type, or from the
 * body's own mediaType when the registry sends a generic one; anything else (schema 1, artifacts
 * without a config) is refused rather than guessed at.
 */
export function parseManifest(body: Uint8Array, contentType: string | undefined): ParsedManifest {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new ManifestError('the manifest is not valid JSON');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ManifestError('the manifest is not a JSON object');
  const manifest = data as { mediaType?: unknown; manifests?: unknown; config?: unknown; schemaVersion?: unknown };
  const declared = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const bodyType = typeof manifest.mediaType === 'string' ? manifest.mediaType : '';
  let mediaType = indexTypes.has(declared) || imageTypes.has(declared) ? declared : bodyType;
  if (mediaType === '') {
    // OCI allows omitting mediaType in the body; the structure still says what it is.
    if (Array.isArray(manifest.manifests)) mediaType = mediaTypes.ociIndex;
    else if (manifest.config !== undefined) mediaType = mediaTypes.ociManifest;
  }
  if (indexTypes.has(mediaType)) {
    if (!Array.isArray(manifest.manifests)) throw new ManifestError('the index has no manifests list');
    return { kind: 'index', mediaType, manifests: manifest.manifests.map((entry, index) => descriptor(entry, `manifests[${index}]`)) };
  }
  if (imageTypes.has(mediaType)) {
    if (manifest.config === undefined) throw new ManifestError('the manifest has no config');
    return { kind: 'image', mediaType, config: descriptor(manifest.config, 'config') };
  }
  const shown = mediaType || (manifest.schemaVersion === 1 ? 'a schema 1 manifest' : 'an unknown type');
  throw new ManifestError(`unsupported manifest type ${shown}`);
}

function descriptor(value: unknown, where: string): Descriptor {
  if (value === null || typeof value !== 'object') throw new ManifestError(`${where} is not a descriptor`);
  const { mediaType, digest, platform } = value as { mediaType?: unknown; digest?: unknown; platform?: unknown };
  if (typeof digest !== 'string' || !digestPattern.test(digest)) throw new ManifestError(`${where}.digest is not a sha256 digest`);
  const result: Descriptor = { mediaType: typeof mediaType === 'string' ? mediaType : '', digest };
  if (platform !== null && typeof platform === 'object') {
    const { os, architecture, variant } = platform as { os?: unknown; architecture?: unknown; variant?: unknown };
    if (typeof os === 'string' && typeof architecture === 'string') {
      result.platform = { os, architecture, ...(typeof variant === 'string' ? { variant } : {}) };
    }
  }
  return result;
}

/**
 * The manifest of an index whose config describes the image: linux/amd64 when present, else the first
 * real image (attestation entries, marked with platform unknown/unknown, are skipped).
 */
export function pickPlatformManifest(manifests: readonly Descriptor[]): Descriptor | undefined {
  const images = manifests.filter((entry) => !(entry.platform?.os === 'unknown' && entry.platform.architecture === 'unknown'));
  return images.find((entry) => entry.platform?.os === 'linux' && entry.platform.architecture === 'amd64') ?? images[0];
}
