import { open, readFile, rm } from 'node:fs/promises';
import { isProcessAlive } from './process';

/** A cross-process lock: exclusive creation of a file, removed when done or found stale. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(path, 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(holder) && holder > 0 && !isProcessAlive(holder)) await rm(path, { force: true });
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the lock ${path}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
