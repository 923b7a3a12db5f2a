import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackupKey, SecretBox, parseMasterKey, sealBackup } from '@kryonix/platform';
import { BackupCatalog } from './backup-catalog';

const box = new SecretBox(parseMasterKey('cd'.repeat(32)));
const master: BackupKey = { kind: 'master', box };

async function backupFile(path: string, meta: Record<string, string>, key: BackupKey = master, body = 'rows'): Promise<void> {
  const parts: Buffer[] = [];
  for await (const b of sealBackup((async function* () { yield Buffer.from(body); })(), key, meta)) parts.push(b);
  writeFileSync(path, Buffer.concat(parts), { mode: 0o600 });
}

describe('BackupCatalog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kx-catalog-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists each tenant newest first with what the header tells, and damaged, foreign and partial files as such', async () => {
    await backupFile(join(dir, 'acme-20261201T030000Z.kxbackup'), { tenant: 'acme', createdAt: '2026-12-01T03:00:00.120Z', modules: 'crm@3,whatsapp@1', trigger: 'schedule', scheduledFor: '2026-12-01T03:00:00.000Z' });
    await backupFile(join(dir, 'acme-20261202T030000Z.kxbackup'), { tenant: 'acme', createdAt: '2026-12-02T03:00:00.000Z', modules: 'crm@3' }, { kind: 'passphrase', passphrase: 'correct horse battery' });
    await backupFile(join(dir, 'beta-20261130T120000Z.kxbackup'), { tenant: 'beta', createdAt: '2026-11-30T12:00:00.000Z', modules: 'financeiro@2', trigger: 'manual' });
    // a backup under another name (copied in) is still a backup; its id is its name
    await backupFile(join(dir, 'beta-copy.bin'), { tenant: 'beta', createdAt: '2026-11-01T00:00:00.000Z' });
    // a backup whose header was overwritten: damaged, its tenant read from its name
    await backupFile(join(dir, 'acme-20261125T000000Z.kxbackup'), { tenant: 'acme', createdAt: '2026-11-25T00:00:00.000Z' });
    const damaged = readFileSync(join(dir, 'acme-20261125T000000Z.kxbackup'));
    damaged.write('garbage!', 20);
    writeFileSync(join(dir, 'acme-20261125T000000Z.kxbackup'), damaged);
    writeFileSync(join(dir, 'acme-20261120T000000Z.kxbackup'), Buffer.from('KRYONIXB\x01')); // cut off inside its header
    writeFileSync(join(dir, 'notes.txt'), 'not a backup\n');
    writeFileSync(join(dir, 'acme-20261203T030000Z.kxbackup.partial-0a1b2c3d'), 'half');
    mkdirSync(join(dir, 'a-folder'));
    writeFileSync(join(dir, '.hidden'), 'x');

    // files whose header does not tell when are placed by their modification time
    const touch = (name: string, iso: string) => utimesSync(join(dir, name), new Date(iso), new Date(iso));
    touch('acme-20261125T000000Z.kxbackup', '2026-11-25T00:00:00.000Z');
    touch('acme-20261120T000000Z.kxbackup', '2026-11-20T00:00:00.000Z');
    touch('acme-20261203T030000Z.kxbackup.partial-0a1b2c3d', '2026-12-03T03:00:00.000Z');

    const catalog = new BackupCatalog(dir);
    const all = await catalog.list();
    expect(all.map((e) => [e.id, e.tenant, e.status])).toEqual([
      ['acme-20261203T030000Z.kxbackup.partial-0a1b2c3d', 'acme', 'partial'],
      ['acme-20261202T030000Z', 'acme', 'ok'],
      ['acme-20261201T030000Z', 'acme', 'ok'],
      ['acme-20261125T000000Z', 'acme', 'damaged'],
      ['acme-20261120T000000Z', 'acme', 'damaged'],
      ['beta-20261130T120000Z', 'beta', 'ok'],
      ['beta-copy.bin', 'beta', 'ok'],
      ['notes.txt', null, 'not_backup'],
    ]);
    expect(all).toHaveLength(8);
    expect(all.find((e) => e.id === 'acme-20261201T030000Z')).toEqual({
      id: 'acme-20261201T030000Z',
      file: 'acme-20261201T030000Z.kxbackup',
      status: 'ok',
      tenant: 'acme',
      takenAt: '2026-12-01T03:00:00.120Z',
      bytes: expect.any(Number),
      key: 'master',
      modules: { crm: 3, whatsapp: 1 },
      trigger: 'schedule',
      scheduledFor: '2026-12-01T03:00:00.000Z',
      problem: null,
    });
    expect(all.find((e) => e.id === 'acme-20261202T030000Z')).toMatchObject({ key: 'passphrase', trigger: 'manual', modules: { crm: 3 } });
    expect(all.find((e) => e.id === 'acme-20261125T000000Z')).toMatchObject({ status: 'damaged', key: null, problem: expect.stringContaining('Not a Kryonix backup') });
    expect(all.find((e) => e.id === 'acme-20261120T000000Z')).toMatchObject({ status: 'damaged', problem: expect.stringMatching(/ends inside its header|Not a Kryonix backup/) });
    expect(all.find((e) => e.id === 'notes.txt')).toMatchObject({ status: 'not_backup', tenant: null, bytes: 13 });

    expect((await catalog.list({ tenant: 'beta' })).map((e) => e.id)).toEqual(['beta-20261130T120000Z', 'beta-copy.bin']);
    expect(await catalog.list({ tenant: 'nobody' })).toEqual([]);
    expect((await catalog.find('beta-copy.bin'))?.tenant).toBe('beta');
    expect(await catalog.find('acme-19990101T000000Z')).toBeUndefined();
    expect(await catalog.lastBackups()).toEqual(new Map([['acme', new Date('2026-12-02T03:00:00.000Z')], ['beta', new Date('2026-11-30T12:00:00.000Z')]]));
  });

  it('an unreadable file is listed, not a crash; a missing folder is an empty list', async () => {
    await backupFile(join(dir, 'acme-20261201T030000Z.kxbackup'), { tenant: 'acme', createdAt: '2026-12-01T03:00:00.000Z' });
    chmodSync(join(dir, 'acme-20261201T030000Z.kxbackup'), 0o000);
    const entries = await new BackupCatalog(dir).list();
    // root reads any file: then it is simply a backup
    if (process.getuid?.() === 0) expect(entries[0]).toMatchObject({ status: 'ok' });
    else expect(entries[0]).toMatchObject({ status: 'damaged', tenant: 'acme', problem: expect.stringContaining('EACCES') });
    expect(await new BackupCatalog(join(dir, 'nowhere')).list()).toEqual([]);
  });

  it('prunes only the scheduled backups of one tenant beyond the newest N, and sees a file changed since it was last read', async () => {
    const at = (day: number) => `2026-12-${String(day).padStart(2, '0')}T03:00:00.000Z`;
    for (let day = 1; day <= 5; day++) await backupFile(join(dir, `acme-202612${String(day).padStart(2, '0')}T030000Z.kxbackup`), { tenant: 'acme', createdAt: at(day), trigger: 'schedule', scheduledFor: at(day) });
    await backupFile(join(dir, 'acme-20261110T000000Z.kxbackup'), { tenant: 'acme', createdAt: '2026-11-10T00:00:00.000Z', trigger: 'manual' });
    await backupFile(join(dir, 'beta-20261101T030000Z.kxbackup'), { tenant: 'beta', createdAt: '2026-11-01T03:00:00.000Z', trigger: 'schedule' });
    writeFileSync(join(dir, 'acme-20261001T000000Z.kxbackup'), 'damaged');
    utimesSync(join(dir, 'acme-20261001T000000Z.kxbackup'), new Date('2026-10-01T00:00:00Z'), new Date('2026-10-01T00:00:00Z'));
    const catalog = new BackupCatalog(dir);
    expect((await catalog.list()).length).toBe(8);
    const removed = await catalog.prune('acme', 2);
    expect(removed.map((e) => e.id)).toEqual(['acme-20261203T030000Z', 'acme-20261202T030000Z', 'acme-20261201T030000Z']);
    expect((await catalog.list()).map((e) => e.id)).toEqual(['acme-20261205T030000Z', 'acme-20261204T030000Z', 'acme-20261110T000000Z', 'acme-20261001T000000Z', 'beta-20261101T030000Z']);
    expect(await catalog.prune('acme', 2)).toEqual([]);
    expect(existsSync(join(dir, 'beta-20261101T030000Z.kxbackup'))).toBe(true);

    // the same name rewritten (another header): read again, not served from the cache
    await backupFile(join(dir, 'acme-20261204T030000Z.kxbackup'), { tenant: 'acme', createdAt: at(4), modules: 'crm@9', trigger: 'schedule' }, master, 'more rows than before');
    utimesSync(join(dir, 'acme-20261204T030000Z.kxbackup'), new Date(), new Date(Date.now() + 5000));
    expect((await catalog.find('acme-20261204T030000Z'))?.modules).toEqual({ crm: 9 });
  });
});
