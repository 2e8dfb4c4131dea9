import { componentTagsFromLock, renderComponentTags } from '../lock/componentTags.js';
import { readLock } from '../lock/read.js';

export const exportFormats = ['component-tags'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** `lockstep lock export`: a verified lock in another format, as file content. */
export async function exportLock(file: string, format: ExportFormat): Promise<string> {
  const lock = await readLock(file);
  switch (format) {
    case 'component-tags':
      return renderComponentTags(componentTagsFromLock(lock));
  }
}
