import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMasterKey } from './secrets';

/**
 * The master key encrypts tenant role passwords in the registry. It comes from
 * KRYONIX_MASTER_KEY, or from <home>/master.key (mode 0600), generated on first use.
 */
export async function loadMasterKey(home: string, fromEnv?: string): Promise<Buffer> {
  if (fromEnv) return parseMasterKey(fromEnv);
  const file = join(home, 'master.key');
  try {
    return parseMasterKey(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(home, { recursive: true, mode: 0o755 });
  try {
    await writeFile(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process won the race
  }
  return parseMasterKey(await readFile(file, 'utf8'));
}
