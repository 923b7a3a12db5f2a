import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BackupUnreadable, MigrationChanged, TenantAlreadyExists, tenantDatabaseName, tenantRoleName, tenantSchemaName } from '@kryonix/domain';
import { AddServerCommand } from '../add-server/add-server.command';
import { BackupTenantCommand, BackupResult } from '../backup-tenant/backup-tenant.command';
import { RestoreTenantCommand } from './restore-tenant.command';
import { ExtraPostgres, FIXTURE_V1, TestCore, TestEnv, createTestEnv, fill, modulesWithFixture, on, startExtraPostgres, testDatabaseUrl } from '@kryonix/testing';

/**
 * Backup and restore on real PostgreSQL: a round trip in both modes with rows in every
 * table (NULLs, unicode, escapes, numeric, dates and times, jsonb, arrays, a sequence),
 * across modes, onto a PostgreSQL 15 server, at an older module version, and the
 * refusals (damaged file, wrong key or passphrase, changed migration) that leave nothing.
 */
const MODULES = ['crm', 'whatsapp', 'agendamento', 'financeiro', 'fixture'];
const FIXTURE_V2 = `ALTER TABLE {{schema}}.amostras ADD COLUMN nota TEXT DEFAULT 'nova';\n`;

let env: TestEnv;
let rt: TestCore;
let b: ExtraPostgres;
let modulesDir: string;
let outDir: string;


beforeAll(async () => {
  modulesDir = modulesWithFixture('bk');
  outDir = mkdtempSync(join(tmpdir(), 'kryonix-bk-out-'));
  [env, b] = await Promise.all([createTestEnv('bk'), startExtraPostgres('bk-b', 'pg15')]);
  rt = await env.open({ KRYONIX_MODULES_DIR: modulesDir });
  await rt.commands.execute(new AddServerCommand({ name: 'pg15', adminUrl: b.url, moves: false }));
  await rt.provisioner.create({ id: 'bk-db', name: 'Siqueira Campos Imóveis', modules: MODULES, mode: 'database', server: 'default' });
  await rt.provisioner.create({ id: 'bk-sc', name: 'Schema Ltda', modules: MODULES, mode: 'schema', server: 'default' });
  await fill('bk-db', 'database', MODULES);
  await fill('bk-sc', 'schema', MODULES);
}, 300_000);
afterAll(async () => {
  await env?.cleanup();
  await b?.destroy();
  rmSync(modulesDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});


/** Every table's rows as JSON text, in primary-key order: what two tenants must agree on. */
async function contents(id: string, mode: 'database' | 'schema', base?: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  await on(
    tenantDatabaseName(id, mode),
    async (c) => {
      for (const module of MODULES) {
        const schema = tenantSchemaName(id, mode, module);
        const { rows } = await c.query<{ table: string }>(`SELECT relname AS table FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r' ORDER BY 1`, [schema]);
        for (const { table } of rows) {
          const r = await c.query<{ j: string }>(`SELECT to_jsonb(t)::text AS j FROM "${schema}"."${table}" t ORDER BY 1`);
          out[`${module}.${table}`] = r.rows.map((x) => x.j);
        }
      }
    },
    base,
  );
  return out;
}

/** Whatever a tenant id owns anywhere: registry rows, database, role, schemas (on both servers). */
async function leftovers(id: string): Promise<string[]> {
  const found: string[] = [];
  const registry = await on(env.config.registryDatabase, (c) => c.query(`SELECT 'registry' FROM tenant_management.clientes WHERE id = $1 UNION ALL SELECT 'ledger' FROM tenant_management.tenant_module_migrations WHERE cliente_id = $1 UNION ALL SELECT 'key' FROM tenant_management.api_keys WHERE cliente_id = $1`, [id]));
  found.push(...registry.rows.map((r) => Object.values(r)[0] as string));
  for (const base of [testDatabaseUrl(), b.url]) {
    const where = base === b.url ? 'pg15' : 'default';
    const db = await on('postgres', (c) => c.query(`SELECT datname FROM pg_database WHERE datname = $1`, [tenantDatabaseName(id, 'database')]), base);
    const role = await on('postgres', (c) => c.query(`SELECT rolname FROM pg_roles WHERE rolname = $1`, [tenantRoleName(id)]), base);
    const schemas = await on('postgres', async (c) => ((await c.query(`SELECT 1 FROM pg_database WHERE datname = 'kryonix_tenants'`)).rowCount ? on('kryonix_tenants', (t) => t.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${id.replace(/-/g, '_')}\\_%`]), base) : { rows: [] }), base);
    found.push(...db.rows.map((r) => `${where}:database ${r.datname}`), ...role.rows.map((r) => `${where}:role ${r.rolname}`), ...schemas.rows.map((r) => `${where}:schema ${r.nspname}`));
  }
  return found;
}

const backup = (id: string, extra: Partial<{ out: string; passphrase: string }> = {}) => rt.commands.execute(new BackupTenantCommand({ id, out: join(outDir, `${id}-${randomBytes(3).toString('hex')}.kxbackup`), ...extra }));
const restore = (file: string, extra: Partial<{ as: string; mode: string; server: string; passphrase: string }> = {}, core: TestCore = rt) => core.commands.execute(new RestoreTenantCommand({ file, server: 'default', ...extra }));

describe('backup', () => {
  let made: BackupResult;
  beforeAll(async () => {
    made = await backup('bk-db');
  });

  it('writes one 0600 file with every table, its rows and checksums, and the modules at their versions', async () => {
    expect(statSync(made.file).mode & 0o777).toBe(0o600);
    expect(made).toMatchObject({ tenant: 'bk-db', server: 'default', encryption: 'master-key', modules: { crm: 2, whatsapp: 2, agendamento: 2, financeiro: 2, fixture: 1 } });
    expect(made.tables).toHaveLength(23);
    expect(made.tables.every((t) => t.rows >= 12 && /^[0-9a-f]{64}$/.test(t.sha256))).toBe(true);
    const head = readFileSync(made.file).subarray(0, 8).toString();
    expect(head).toBe('KRYONIXB');
    expect(readFileSync(made.file).includes(Buffer.from('Siqueira'))).toBe(false); // encrypted
  });

  it('gives the same checksums for the same rows in a schema-mode tenant on another server (canonical form)', async () => {
    const again = await backup('bk-db');
    expect(again.tables).toEqual(made.tables);
  });
});

describe('restore', () => {
  it('round-trips a database-mode tenant under a new id: same rows, sequence, active, a new API key, at the current versions', async () => {
    const file = (await backup('bk-db')).file;
    const r = await restore(file, { as: 'bk-db-copy' });
    expect(r).toMatchObject({ id: 'bk-db-copy', mode: 'database', server: 'default', tables: 23, restoredFrom: { tenant: 'bk-db', server: 'default' } });
    expect(r.apiKey).toMatch(/^sk_bk-db-copy_[0-9a-f]{32}$/);
    expect(await contents('bk-db-copy', 'database')).toEqual(await contents('bk-db', 'database'));
    const seq = await on(tenantDatabaseName('bk-db-copy', 'database'), (c) => c.query(`SELECT nextval('fixture.amostras_id_seq')::int AS n`));
    expect(seq.rows[0].n).toBe(13);
    const status = await on(env.config.registryDatabase, (c) => c.query(`SELECT status FROM tenant_management.clientes WHERE id = 'bk-db-copy'`));
    expect(status.rows[0].status).toBe('active');
  });

  it('refuses the backup\'s own id while that tenant exists, saying to use --as', async () => {
    await expect(restore((await backup('bk-db')).file)).rejects.toThrow(TenantAlreadyExists);
    await expect(restore((await backup('bk-db')).file)).rejects.toThrow('--as');
  });

  it('database → schema and schema → database', async () => {
    const db = (await backup('bk-db')).file;
    await restore(db, { as: 'bk-to-sc', mode: 'schema' });
    expect(await contents('bk-to-sc', 'schema')).toEqual(await contents('bk-db', 'database'));
    const sc = (await backup('bk-sc')).file;
    await restore(sc, { as: 'bk-to-db', mode: 'database' });
    expect(await contents('bk-to-db', 'database')).toEqual(await contents('bk-sc', 'schema'));
  });

  it('onto a PostgreSQL 15 server, with a passphrase', async () => {
    const file = (await backup('bk-sc', { passphrase: 'a long enough passphrase' })).file;
    const r = await restore(file, { as: 'bk-on-15', server: 'pg15', passphrase: 'a long enough passphrase' });
    expect(r.server).toBe('pg15');
    expect(await contents('bk-on-15', 'schema', b.url)).toEqual(await contents('bk-sc', 'schema'));
    // the same canonical checksums from 15 as from the default server
    const from15 = await backup('bk-on-15');
    const fromDefault = await backup('bk-sc');
    expect(from15.tables).toEqual(fromDefault.tables);
  });

  describe('leaves nothing behind when', () => {
    let file: string;
    beforeAll(async () => {
      file = (await backup('bk-db')).file;
    });

    it('one byte of the file is flipped (late in the file: some tables were loaded already)', async () => {
      const bytes = readFileSync(file);
      bytes[bytes.length - 200]! ^= 0x10;
      const damaged = join(outDir, 'damaged.kxbackup');
      writeFileSync(damaged, bytes);
      await expect(restore(damaged, { as: 'bk-damaged' })).rejects.toMatchObject({ code: 'BACKUP_UNREADABLE', details: { problem: 'damaged' } });
      expect(await leftovers('bk-damaged')).toEqual([]);
    });

    it('the file is cut off', async () => {
      const cut = join(outDir, 'cut.kxbackup');
      writeFileSync(cut, readFileSync(file).subarray(0, statSync(file).size - 40));
      await expect(restore(cut, { as: 'bk-cut', mode: 'schema' })).rejects.toMatchObject({ details: { problem: 'truncated' } });
      expect(await leftovers('bk-cut')).toEqual([]);
    });

    it('the master key is another', async () => {
      const other = await env.open({ KRYONIX_MODULES_DIR: modulesDir, KRYONIX_MASTER_KEY: randomBytes(32).toString('hex') });
      await expect(restore(file, { as: 'bk-other-key' }, other)).rejects.toThrow(BackupUnreadable);
      await expect(restore(file, { as: 'bk-other-key' }, other)).rejects.toMatchObject({ details: { problem: 'wrong_key' } });
      expect(await leftovers('bk-other-key')).toEqual([]);
    });

    it('the passphrase is wrong', async () => {
      const sealed = (await backup('bk-db', { passphrase: 'the right passphrase' })).file;
      await expect(restore(sealed, { as: 'bk-wrong-pass', passphrase: 'not the right one!' })).rejects.toThrow('Wrong passphrase for this backup.');
      await expect(restore(sealed, { as: 'bk-wrong-pass' })).rejects.toThrow('--passphrase-file');
      expect(await leftovers('bk-wrong-pass')).toEqual([]);
    });

    it('a migration file differs from the one the backup was made with (named)', async () => {
      const migration = join(modulesDir, 'fixture', '0001_init.sql.hbs');
      writeFileSync(migration, FIXTURE_V1 + '-- edited\n');
      try {
        await new Promise((r) => setTimeout(r, 600)); // the catalog looks at its folder every 500 ms
        const refused = restore(file, { as: 'bk-changed' });
        await expect(refused).rejects.toThrow(MigrationChanged);
        await expect(restore(file, { as: 'bk-changed' })).rejects.toThrow(migration);
      } finally {
        writeFileSync(migration, FIXTURE_V1);
        await new Promise((r) => setTimeout(r, 600));
      }
      expect(await leftovers('bk-changed')).toEqual([]);
    });
  });

  it('a backup taken at an older module version is restored, then migrated to the newer one', async () => {
    const file = (await backup('bk-db')).file;
    writeFileSync(join(modulesDir, 'fixture', '0002_nota.sql.hbs'), FIXTURE_V2);
    try {
      await new Promise((r) => setTimeout(r, 600));
      const r = await restore(file, { as: 'bk-upgraded', mode: 'schema' });
      expect(r.restoredFrom.modules.fixture).toBe(1);
      const notes = await on('kryonix_tenants', (c) => c.query(`SELECT DISTINCT nota FROM bk_upgraded_fixture.amostras`));
      expect(notes.rows).toEqual([{ nota: 'nova' }]);
      const ledger = await on(env.config.registryDatabase, (c) => c.query(`SELECT version FROM tenant_management.tenant_module_migrations WHERE cliente_id = 'bk-upgraded' AND module = 'fixture' ORDER BY 1`));
      expect(ledger.rows.map((x) => x.version)).toEqual([1, 2]);
    } finally {
      rmSync(join(modulesDir, 'fixture', '0002_nota.sql.hbs'));
      await new Promise((r) => setTimeout(r, 600));
    }
  });
});

describe('memory', () => {
  it('does not grow with the tenant\'s size: backup and restore of ~150 MB of rows stay within a few chunks of heap', async () => {
    await rt.provisioner.create({ id: 'bk-big', name: 'Big', modules: 'crm', server: 'default' });
    await on(tenantDatabaseName('bk-big', 'database'), (c) => c.query(`INSERT INTO crm.leads (nome, interesse) SELECT 'lead ' || g, repeat(md5(g::text), 14) FROM generate_series(1, 300000) g`));
    const sample = async <R>(fn: () => Promise<R>) => {
      global.gc?.();
      const base = process.memoryUsage();
      let heap = 0;
      let rss = 0;
      const timer = setInterval(() => {
        const m = process.memoryUsage();
        heap = Math.max(heap, m.heapUsed - base.heapUsed);
        rss = Math.max(rss, m.rss - base.rss);
      }, 10);
      try {
        return { result: await fn(), heapMB: heap / 2 ** 20, rssMB: rss / 2 ** 20 };
      } finally {
        clearInterval(timer);
      }
    };
    const made = await sample(() => backup('bk-big'));
    const back = await sample(() => restore(made.result.file, { as: 'bk-big-copy' }));
    const size = await on(tenantDatabaseName('bk-big', 'database'), (c) => c.query(`SELECT pg_total_relation_size('crm.leads')::bigint / 1048576 AS mb`));
    process.stdout.write(`memory: crm.leads ${size.rows[0].mb} MB, 300000 rows; backup ${made.result.bytes} bytes in ${Math.round(made.result.durationMs)} ms, peak heap +${made.heapMB.toFixed(1)} MB, rss +${made.rssMB.toFixed(1)} MB; restore peak heap +${back.heapMB.toFixed(1)} MB, rss +${back.rssMB.toFixed(1)} MB\n`);
    const count = (id: string) => on(tenantDatabaseName(id, 'database'), async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.leads`)).rows[0].n);
    expect(await count('bk-big-copy')).toBe(await count('bk-big'));
    expect(await count('bk-big')).toBeGreaterThanOrEqual(300000);
    expect(Number(size.rows[0].mb)).toBeGreaterThan(100);
    expect(made.heapMB).toBeLessThan(48);
    expect(back.heapMB).toBeLessThan(48);
  }, 300_000);
});
