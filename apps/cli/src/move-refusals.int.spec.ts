import { ExtraPostgres, MoveServers, NONE, createTestEnv, freePort, startExtraPostgres } from '@kryonix/testing';

/**
 * Every move that cannot be made is refused with a clear error, and nothing changes: no
 * move recorded, nothing made on any server, the tenant served where it was.
 */

let s: MoveServers;
let b: ExtraPostgres;
let f: ExtraPostgres;
let w: ExtraPostgres;

beforeAll(async () => {
  const [env, ...extra] = await Promise.all([createTestEnv('move-refusals'), startExtraPostgres('refuse-b'), startExtraPostgres('refuse-f'), startExtraPostgres('refuse-w')]);
  [b, f, w] = extra;
  s = new MoveServers(env);
  s.add('pg-b', b);
  s.add('pg-f', f, ['--max-tenants', '1']);
  // other servers reach pg-w's tenants for a copy at an address where nothing listens
  s.add('pg-w', w, ['--replication-url', `postgres://kryonix@127.0.0.1:${await freePort()}/postgres`]);
}, 180_000);
afterAll(async () => {
  await Promise.all([s?.env.cleanup(), b?.destroy(), f?.destroy(), w?.destroy()]);
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

const ALL = ['default', 'pg-b', 'pg-f', 'pg-w'];

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

  it('--replication-url: a source its peer cannot reach at that address fails the copy with a clear error, rolled back, served from the source', async () => {
    created('rf-r', 'pg-w');
    await s.on('pg-w', `INSERT INTO crm.leads (nome) SELECT 'l' || g FROM generate_series(1, 20) g`, [], 'kryonix_cliente_rf_r');
    const r = refused('rf-r', 'pg-b');
    expect(r.code).toBe(2);
    expect(r.error).toContain('Server "pg-b" cannot reach server "pg-w" for the copy');
    expect(r.error).toContain('give "pg-w" a replication URL that "pg-b" can reach (server add --replication-url); nothing was moved.');
    expect(r.error).not.toContain(new URL(w.url).password);
    expect(await s.registry(`SELECT phase, error LIKE 'rolled back:%' AS rolled FROM tenant_management.moves WHERE tenant_id = 'rf-r'`)).toEqual([{ phase: 'failed', rolled: true }]);
    await expectUnchanged('rf-r', 'pg-w', ALL, 1);
    const client = await s.asTenant('rf-r', 'pg-w', 'kryonix_cliente_rf_r');
    expect((await client.query(`SELECT count(*)::int AS n FROM crm.leads`)).rows[0].n).toBe(20);
    await client.end();
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
