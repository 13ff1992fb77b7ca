/** Write-then-rename, so a reader (or a crash) only ever sees the old file or the new one, never half. */
import { copyFile, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { temporaryPath } from './files.js';

export async function writeFileAtomic(path: string, content: string, options: { keepBackup?: boolean } = {}): Promise<void> {
  const temporary = temporaryPath(path);
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (options.keepBackup) {
    await copyFile(path, `${path}.backup`).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}
