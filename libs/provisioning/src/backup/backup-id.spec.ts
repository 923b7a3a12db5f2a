import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupPath, newBackupPath, openBackupById, validateBackupId } from './backup-id';

let root: string;
let folder: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kryonix-backup-id-'));
  folder = join(root, 'backups');
  mkdirSync(folder);
  writeFileSync(join(folder, 'acme-20260101T020000Z.kxbackup'), 'x'.repeat(10));
  writeFileSync(join(root, 'outside.kxbackup'), 'secret');
  symlinkSync(join(root, 'outside.kxbackup'), join(folder, 'link-20260101T020000Z.kxbackup'));
  mkdirSync(join(folder, 'dir-20260101T020000Z.kxbackup'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('backup ids', () => {
  it('accepts the names tenant backup writes, and refuses anything that could be a path', () => {
    expect(validateBackupId('acme-20260101T020000Z')).toBe('acme-20260101T020000Z');
    expect(validateBackupId('a.b_c-1')).toBe('a.b_c-1');
    for (const bad of ['../x', '..', '.', '.hidden', 'a/b', 'a\\b', '/etc/passwd', '', 'a'.repeat(129), 'acme.kxbackup', 'a b', 'ação', 'a\u0000b', 5, null, undefined]) {
      expect(() => validateBackupId(bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('never a path') }));
    }
  });

  it('resolves a regular file directly in the folder; an unknown id, a symbolic link or a folder is not found', async () => {
    await expect(backupPath(folder, 'acme-20260101T020000Z')).resolves.toEqual({ id: 'acme-20260101T020000Z', path: join(folder, 'acme-20260101T020000Z.kxbackup'), bytes: 10 });
    for (const id of ['nope-20260101T020000Z', 'link-20260101T020000Z', 'dir-20260101T020000Z']) {
      await expect(backupPath(folder, id)).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND', message: expect.stringContaining(id) });
      await expect(openBackupById(folder, id)).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND' });
    }
    await expect(backupPath(folder, '../outside')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('opens the file it checked, and names new ones inside the folder only', async () => {
    const opened = await openBackupById(folder, 'acme-20260101T020000Z');
    try {
      expect((await opened.handle.readFile()).toString()).toBe('x'.repeat(10));
    } finally {
      await opened.handle.close();
    }
    await expect(newBackupPath(join(root, 'made'), 'acme-1')).resolves.toBe(join(root, 'made', 'acme-1.kxbackup'));
    await expect(newBackupPath(folder, '../escape')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
