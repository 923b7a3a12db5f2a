import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { BackupNotFound, InvalidInput } from '@kryonix/domain';

/** A backup file's extension; its id is its name without it. */
export const BACKUP_FILE_EXTENSION = '.kxbackup';

/**
 * What a backup id may be: a file name in KRYONIX_BACKUP_DIR without its extension,
 * `<tenant>-<UTC time>` as `tenant backup` writes it. Letters, digits, `.`, `_`, `-`,
 * starting with a letter or digit: no `/`, no `\`, no leading dot, so no id names a
 * file outside the folder (`../x`) or a hidden one.
 */
export const BACKUP_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function validateBackupId(id: unknown, field = 'backup'): string {
  if (typeof id !== 'string' || !BACKUP_ID_PATTERN.test(id) || id.endsWith(BACKUP_FILE_EXTENSION)) {
    const shown = typeof id === 'string' ? JSON.stringify(id.slice(0, 60)) : String(typeof id);
    throw new InvalidInput(
      `Invalid backup id ${shown}: a backup is named by its id, the file name in KRYONIX_BACKUP_DIR without ${BACKUP_FILE_EXTENSION} (e.g. "acme-20260101T020000Z"): 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit; never a path.`,
      { field },
    );
  }
  return id;
}

/** The backup folder itself, with its symbolic links resolved (made, 0700, when missing). */
async function realFolder(backupDir: string): Promise<string> {
  await mkdir(backupDir, { recursive: true, mode: 0o700 });
  return realpath(backupDir);
}

/**
 * Where the backup `id` is: a regular file directly in KRYONIX_BACKUP_DIR. The id is
 * checked first; the path is built from the folder's real path, and a symbolic link
 * (which could point anywhere) or anything but a regular file is not a backup.
 */
export async function backupPath(backupDir: string, id: string): Promise<{ id: string; path: string; bytes: number }> {
  validateBackupId(id);
  const folder = await realFolder(backupDir);
  const path = join(folder, `${id}${BACKUP_FILE_EXTENSION}`);
  if (!path.startsWith(folder + sep)) throw new BackupNotFound(id); // unreachable with the pattern; kept as the rule
  try {
    const stat = await lstat(path);
    if (!stat.isFile()) throw new BackupNotFound(id);
    return { id, path, bytes: stat.size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') throw new BackupNotFound(id);
    throw error;
  }
}

/**
 * Opens the backup `id` for reading without following a symbolic link in its last
 * component (O_NOFOLLOW), so a link swapped in after the check is refused too.
 */
export async function openBackupById(backupDir: string, id: string): Promise<{ id: string; path: string; bytes: number; handle: FileHandle }> {
  const found = await backupPath(backupDir, id);
  let handle: FileHandle;
  try {
    handle = await open(found.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') throw new BackupNotFound(id);
    throw error;
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new BackupNotFound(id);
  }
  return { ...found, bytes: stat.size, handle };
}

/** The path a new backup `id` would have in the folder (made when missing); the id is checked. */
export async function newBackupPath(backupDir: string, id: string): Promise<string> {
  validateBackupId(id);
  return join(await realFolder(backupDir), `${id}${BACKUP_FILE_EXTENSION}`);
}
