import { readFile, statfs } from 'node:fs/promises';

/** MemAvailable from /proc/meminfo, in bytes: what the kernel can hand out without swapping. */
export function parseMemAvailable(meminfo: string): number | null {
  const match = /^MemAvailable:\s+(\d+)\s*kB$/m.exec(meminfo);
  return match ? Number(match[1]) * 1024 : null;
}

export async function localMemAvailable(meminfoPath = '/proc/meminfo'): Promise<number | null> {
  return parseMemAvailable(await readFile(meminfoPath, 'utf8'));
}

/** Bytes available to unprivileged writers on the filesystem holding `path`. */
export async function localFreeDisk(path: string): Promise<number> {
  const stats = await statfs(path);
  return Number(stats.bavail) * Number(stats.bsize);
}

export function mebibytes(bytes: number): string {
  return `${Math.floor(bytes / (1024 * 1024))} MiB`;
}
