import { readFile, writeFile } from 'node:fs/promises';
import { COPY_PROGRESS, ExtraPostgres, MoveServers, NONE, createTestEnv, freePort, startExtraPostgres, until } from '@kryonix/testing';

/**
 * Every move that cannot be made is refused with a clear error, and nothing changes: no
 * move recorded, nothing made on any server, the tenant served where it was.
 */

let s: MoveServers;
let b: ExtraPostgres;
let f: ExtraPostgres;
let w: ExtraPostgres;
let x: ExtraPostgres;
/** A password in pg-w's replication URL: it must never show. */
const REPLICATION_SECRET = 'replication-url-secret-0123';

beforeAll(async () => {
  const [env, ...extra] = await Promise.all([createTestEnv('move-refusals'), startExtraPostgres('refuse-b'), startExtraPostgres('refuse-f'), startExtraPostgres('refuse-w'), startExtraPostgres('refuse-x')]);
  [b, f, w, x] = extra;
  s = new MoveServers(env);
  s.add('pg-b', b);
  s.add('pg-f', f, ['--max-tenants', '1']);
  // other servers reach pg-w's tenants for a copy at an address where nothing listens
  s.add('pg-w', w, ['--replication-url', `postgres://kryonix:${REPLICATION_SECRET}@127.0.0.1:${await freePort()}/postgres`]);
  s.add('pg-x', x);
}, 180_000);
afterAll(async () => {
  await Promise.all([s?.env.cleanup(), b?.destroy(), f?.destroy(), w?.destroy(), x?.destroy()]);
});

function created(id: string, server: string, extra: string[] = []): void {
  const made = s.kryonix(['tenant', 'create', id, id, '--modules', 'crm', '--server', server, ...extra]);
  if (made.code !== 0) throw new Error(made.stderr);
}

function refused(id: string, to: string): { code: number | null; error: string } {
  const r = s.kryonix(['tenant', 'move', id, '--to', to]);
  return { code: r.code, error: r.stderr.trim() };
}

/** Nothing of a move: none recorded, none of the tenant's storage on the other servers, no replication object anywhere. */
async function expectUnchanged(id: string, home: string, servers: string[], moves = 0): Promise<void> {
  expect(await s.serverOf(id)).toBe(home);
  expect(await s.registry(`SELECT status FROM tenant_management.clientes WHERE id = $1`, [id])).toHaveLength(1);
  expect(await s.registry(`SELECT count(*)::int AS n FROM tenant_management.moves WHERE tenant_id = $1`, [id])).toEqual([{ n: moves }]);
  const database = `kryonix_cliente_${id.replace(/-/g, '_')}`;
  for (const server of servers.filter((x) => x !== home)) {
    expect({ server, db: await s.on(server, `SELECT datname FROM pg_database WHERE datname = $1`, [database]) }).toEqual({ server, db: [] });
    expect({ server, role: await s.on(server, `SELECT rolname FROM pg_roles WHERE rolname = $1`, [`cliente_${id.replace(/-/g, '_')}_user`]) }).toEqual({ server, role: [] });
  }
  for (const server of servers) expect({ server, left: await s.leftovers(server, database) }).toEqual({ server, left: NONE });
}

const ALL = ['default', 'pg-b', 'pg-f', 'pg-w', 'pg-x'];

describe('kryonix tenant move refuses, and changes nothing', () => {
  it('the tenant: suspended, deleting; its tables: without a primary key or replica identity (named)', async () => {
    created('rf-t', 'default');
    expect(s.kryonix(['tenant', 'suspend', 'rf-t']).code).toBe(0);
    expect(refused('rf-t', 'pg-b')).toEqual({ code: 3, error: 'kryonix: Tenant "rf-t" is suspended; cannot move it (only active tenants are moved).' });
    expect(s.kryonix(['tenant', 'resume', 'rf-t']).code).toBe(0);

    const db = 'kryonix_cliente_rf_t';
    await s.on('default', 'CREATE TABLE crm.sem_chave (x int); CREATE TABLE crm.tambem_sem (y int)', [], db);
    expect(refused('rf-t', 'pg-b')).toEqual({
      code: 1,
      error: expect.stringContaining('Cannot move tenant "rf-t": tables crm.sem_chave, crm.tambem_sem have no primary key or replica identity'),
    });
    // a replica identity of its own is enough
    await s.on('default', 'ALTER TABLE crm.sem_chave REPLICA IDENTITY FULL', [], db);
    const one = refused('rf-t', 'pg-b');
    expect(one.error).toContain('table crm.tambem_sem has no primary key or replica identity');
    expect(one.error).not.toContain('sem_chave');
    await s.on('default', 'DROP TABLE crm.sem_chave, crm.tambem_sem', [], db);
    await expectUnchanged('rf-t', 'default', ALL);

    created('rf-del', 'default');
    expect(s.kryonix(['tenant', 'delete', 'rf-del']).code).toBe(0);
    expect(refused('rf-del', 'pg-b')).toEqual({ code: 3, error: 'kryonix: Tenant "rf-del" is deleting; cannot move it (only active tenants are moved).' });
    await expectUnchanged('rf-del', 'default', ALL);
  });

  it('the target: the source itself, unknown, cordoned, full, draining', async () => {
    created('rf-s', 'default');
    expect(refused('rf-s', 'default')).toEqual({ code: 2, error: 'kryonix: Tenant "rf-s" is already on server "default"; give another --to.' });
    expect(refused('rf-s', 'nowhere')).toEqual({ code: 2, error: expect.stringMatching(/^kryonix: Unknown server "nowhere": the servers are default, pg-/) });

    expect(s.kryonix(['server', 'cordon', 'pg-b']).code).toBe(0);
    expect(refused('rf-s', 'pg-b')).toEqual({ code: 2, error: expect.stringContaining('Server "pg-b" takes no new tenant: cordoned') });
    expect(s.kryonix(['server', 'uncordon', 'pg-b']).code).toBe(0);

    // pg-f takes one tenant at most, and holds one (suspended, so a drain cannot move it)
    created('rf-held', 'pg-f');
    expect(s.kryonix(['tenant', 'suspend', 'rf-held']).code).toBe(0);
    const full = refused('rf-s', 'pg-f');
    expect(full.code).toBe(2);
    expect(full.error).toMatch(/Server "pg-f" takes no new tenant: .*1/);
    const drained = s.kryonix(['server', 'drain', 'pg-f']);
    expect(drained.code).toBe(1);
    expect(await s.registry(`SELECT state FROM tenant_management.servers WHERE name = 'pg-f'`)).toEqual([{ state: 'draining' }]);
    expect(refused('rf-s', 'pg-f')).toEqual({ code: 2, error: expect.stringContaining('Server "pg-f" takes no new tenant: draining') });
    await expectUnchanged('rf-s', 'default', ALL);
  });

  it('--replication-url: a source that the target cannot reach at that address is refused before anything is made, naming both servers and the address (no password)', async () => {
    created('rf-r', 'pg-w');
    await s.on('pg-w', `INSERT INTO crm.leads (nome) SELECT 'l' || g FROM generate_series(1, 20) g`, [], 'kryonix_cliente_rf_r');
    const r = refused('rf-r', 'pg-b');
    expect(r.error).toMatch(/^kryonix: Server "pg-b" cannot reach server "pg-w" at 127\.0\.0\.1:\d+ for a move's copy \([^)]*Connection refused[^)]*\): give "pg-w" a replication URL that "pg-b" can reach \(kryonix server add … --replication-url\); nothing was moved\.$/);
    // UNAVAILABLE, as for a server that is away
    expect(r.code).toBe(1);
    expect(r.error).not.toContain(REPLICATION_SECRET);
    expect(r.error).not.toContain(new URL(w.url).password);
    // nothing recorded, nothing made: no move row, no probe subscription left on the target
    await expectUnchanged('rf-r', 'pg-w', ALL);
    expect(await s.on('pg-b', `SELECT subname FROM pg_subscription`)).toEqual([]);
    const client = await s.asTenant('rf-r', 'pg-w', 'kryonix_cliente_rf_r');
    expect((await client.query(`SELECT count(*)::int AS n FROM crm.leads`)).rows[0].n).toBe(20);
    await client.end();
  });

  it('a target with no logical replication or background worker to spare, a source with no replication slot or WAL sender to spare: refused naming the setting, nothing made', async () => {
    created('rf-l', 'default');
    created('rf-x', 'pg-x');
    // pg-x subscribes to itself: that subscription keeps an apply worker, a WAL sender and a slot busy there
    await s.on('pg-x', `CREATE TABLE busy (id int PRIMARY KEY)`);
    await s.on('pg-x', `CREATE PUBLICATION busy_pub FOR TABLE busy`);
    await s.on('pg-x', `SELECT pg_create_logical_replication_slot('busy_slot', 'pgoutput')`);
    await s.on('pg-x', `CREATE DATABASE busy_sub`);
    await s.on('pg-x', `CREATE TABLE busy (id int PRIMARY KEY)`, [], 'busy_sub');
    const self = new URL(x.url);
    await s.on('pg-x', `CREATE SUBSCRIPTION busy_sub CONNECTION 'host=127.0.0.1 port=${self.port} dbname=postgres user=${decodeURIComponent(self.username)} password=${decodeURIComponent(self.password)}' PUBLICATION busy_pub WITH (create_slot = false, slot_name = 'busy_slot', copy_data = false)`, [], 'busy_sub');
    const settings = async (...statements: string[]) => {
      for (const sql of statements) await s.on('pg-x', sql);
      await x.stop();
      await x.start();
      // the subscription's apply worker and its WAL sender are back
      await until(() => s.on('pg-x', `SELECT 1 FROM pg_stat_subscription WHERE subname = 'busy_sub' AND pid IS NOT NULL AND EXISTS (SELECT 1 FROM pg_stat_replication WHERE application_name = 'busy_sub')`), 'the busy subscription to stream again');
    };
    const expectNothing = async () => {
      await expectUnchanged('rf-l', 'default', ALL);
      await expectUnchanged('rf-x', 'pg-x', ALL);
      expect(await s.on('pg-x', `SELECT subname FROM pg_subscription ORDER BY 1`)).toEqual([{ subname: 'busy_sub' }]);
      expect(await s.on('pg-x', `SELECT slot_name FROM pg_replication_slots ORDER BY 1`)).toEqual(expect.arrayContaining([{ slot_name: 'busy_slot' }]));
    };

    await settings(`ALTER SYSTEM SET max_logical_replication_workers = 2`);
    const workers = refused('rf-l', 'pg-x');
    expect(workers.code).toBe(2);
    expect(workers.error).toBe(
      'kryonix: Server "pg-x" has no room now for a move into it: max_logical_replication_workers = 2 with 1 in use, and a move needs 2 free on its target (an apply worker and a table-sync worker): raise max_logical_replication_workers (and restart PostgreSQL) or wait for the moves under way. Nothing was moved.',
    );
    await expectNothing();

    // the launcher and the subscription's apply worker are background workers too
    await settings(`ALTER SYSTEM SET max_logical_replication_workers = 4`, `ALTER SYSTEM SET max_worker_processes = 3`);
    const processes = refused('rf-l', 'pg-x');
    expect(processes.code).toBe(2);
    expect(processes.error).toMatch(/^kryonix: Server "pg-x" has no room now for a move into it: max_worker_processes = 3 with [23] in use, and a move needs 2 free on its target/);
    expect(processes.error).not.toContain('max_logical_replication_workers');
    await expectNothing();

    // as a source: an idle slot besides the subscription's leaves one of three
    await settings(`ALTER SYSTEM RESET max_worker_processes`, `ALTER SYSTEM SET max_replication_slots = 3`);
    await s.on('pg-x', `SELECT pg_create_logical_replication_slot('idle_slot', 'pgoutput')`);
    const slots = refused('rf-x', 'pg-b');
    expect(slots.code).toBe(2);
    expect(slots.error).toMatch(/^kryonix: Server "pg-x" has no room now for a move out of it: max_replication_slots = 3 with 2 in use, and a move needs 2 free on its source .*raise max_replication_slots/);
    expect(slots.error).not.toContain('max_wal_senders');
    await s.on('pg-x', `SELECT pg_drop_replication_slot('idle_slot')`);
    await expectNothing();

    await settings(`ALTER SYSTEM RESET max_replication_slots`, `ALTER SYSTEM SET max_wal_senders = 2`);
    const senders = refused('rf-x', 'pg-b');
    expect(senders.code).toBe(2);
    expect(senders.error).toMatch(/^kryonix: Server "pg-x" has no room now for a move out of it: max_wal_senders = 2 with 1 in use, and a move needs 2 free on its source .*raise max_wal_senders/);
    await expectNothing();

    // with room again the same move is made: the target reaches the source at its admin URL (no --replication-url)
    await settings(`ALTER SYSTEM RESET max_wal_senders`);
    const moved = s.kryonix(['tenant', 'move', 'rf-x', '--to', 'pg-b']);
    expect({ code: moved.code, stderr: moved.stderr.replace(COPY_PROGRESS, '') }).toEqual({ code: 0, stderr: '' });
    expect(await s.serverOf('rf-x')).toBe('pg-b');
    expect(await s.on('pg-b', `SELECT subname FROM pg_subscription`)).toEqual([]);
    await s.on('pg-x', `DROP SUBSCRIPTION busy_sub`, [], 'busy_sub');
  }, 400_000);

  it('a source whose pg_hba.conf turns the target away for the tenant\'s database: refused naming pg_hba.conf, nothing made', async () => {
    created('rf-h', 'pg-x');
    const [{ hba }] = await s.on<{ hba: string }>('pg-x', `SELECT current_setting('hba_file') AS hba`);
    const before = await readFile(hba, 'utf8');
    // move roles (and the probe's) may not log in to this tenant's database from anywhere
    await writeFile(hba, `host kryonix_cliente_rf_h /^kryonix_move_ 0.0.0.0/0 reject\n${before}`);
    await s.on('pg-x', `SELECT pg_reload_conf()`);
    try {
      const r = refused('rf-h', 'pg-b');
      expect(r.code).toBe(2);
      expect(r.error).toMatch(/^kryonix: Server "pg-x" at 127\.0\.0\.1:\d+ does not let server "pg-b" in for a move's copy \(.*pg_hba\.conf.*\): allow it in pg_hba\.conf \(any user, database kryonix_cliente_rf_h, scram-sha-256\); nothing was moved\.$/);
      await expectUnchanged('rf-h', 'pg-x', ALL);
      expect(await s.on('pg-b', `SELECT subname FROM pg_subscription`)).toEqual([]);
    } finally {
      await writeFile(hba, before);
      await s.on('pg-x', `SELECT pg_reload_conf()`);
    }
  });

  it('a server without wal_level = logical, one added with --no-moves, one that is unreachable', async () => {
    created('rf-w', 'default');
    // pg-w was added ready for moves, then restarted with wal_level = replica
    await w.stop();
    await w.start({ walLevel: 'replica' });
    const wal = refused('rf-w', 'pg-w');
    expect(wal.code).toBe(2);
    expect(wal.error).toContain('Server "pg-w" cannot take part in a move:');
    expect(wal.error).toMatch(/wal_level.*logical/);
    // the same server is refused by `server add` unless it takes no moves
    const add = s.kryonix(['server', 'add', 'pg-n', w.url]);
    expect(add.code).toBe(2);
    expect(add.stderr).toMatch(/wal_level.*logical/);
    expect(add.stderr).toContain('--no-moves');
    expect(s.kryonix(['server', 'add', 'pg-n', w.url, '--no-moves']).code).toBe(0);
    expect(refused('rf-w', 'pg-n')).toEqual({ code: 2, error: 'kryonix: Server "pg-n" was added with --no-moves: no tenant is moved to or from it.' });

    await w.stop();
    const away = refused('rf-w', 'pg-w');
    expect(away.code).toBe(1);
    expect(away.error).toMatch(/^kryonix: Cannot reach server "pg-w" \(ECONNREFUSED\); nothing was moved\.$/);
    await w.start();
    await expectUnchanged('rf-w', 'default', ALL);
  });
});
