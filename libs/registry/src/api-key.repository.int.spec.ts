import { randomBytes } from 'node:crypto';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { testDatabaseUrl, withAdmin } from '@kryonix/testing';
import { ApiKeyRepository } from './api-key.repository';
import type { RegistryDatabase } from './database';
import { migrateRegistry } from './migrations/registry-migrator';

/**
 * A tenant's valid keys, read on the data plane's first request of each tenant: not revoked,
 * or revoked in the future (a rotation's overlap), and read through an index on the tenant
 * (registry migration 0012), not by scanning every tenant's keys.
 */
const database = `kx_test_api_keys_${randomBytes(3).toString('hex')}`;
let pool: Pool;
let db: Kysely<RegistryDatabase>;
/** The statements the repository ran, as compiled. */
const ran: CompiledQuery[] = [];

beforeAll(async () => {
  await withAdmin((c) => c.query(`CREATE DATABASE "${database}"`));
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${database}`;
  pool = new Pool({ connectionString: url.toString(), max: 2 });
  db = new Kysely<RegistryDatabase>({ dialect: new PostgresDialect({ pool }), log: (event) => void (event.level === 'query' && ran.push(event.query)) });
  await migrateRegistry(db);
  // 5,000 tenants with a key each, the first also with an old key (revoked) and an overlapping one
  await pool.query(`INSERT INTO tenant_management.clientes (id, nome, database_name, subdomain, isolation_mode, status, role_name)
                    SELECT 't' || g, 't' || g, 'kryonix_tenants', 't' || g, 'schema', 'active', 'r' || g FROM generate_series(1, 5000) g`);
  await pool.query(`INSERT INTO tenant_management.api_keys (cliente_id, prefix, key_hash) SELECT 't' || g, 'sk', 'h' || g FROM generate_series(1, 5000) g`);
  await pool.query(`INSERT INTO tenant_management.api_keys (cliente_id, prefix, key_hash, revoked_at) VALUES
                    ('t1', 'sk', 'old', now() - interval '1 hour'), ('t1', 'sk', 'overlap', now() + interval '1 hour')`);
  await pool.query('ANALYZE tenant_management.api_keys');
});
afterAll(async () => {
  await db?.destroy();
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
});

it('valid keys are those not revoked and those revoked in the future', async () => {
  const keys = new ApiKeyRepository(db);
  expect((await keys.validHashes('t1')).sort()).toEqual(['h1', 'overlap']);
  expect(await keys.validHashes('t4999')).toEqual(['h4999']);
  expect(await keys.validHashes('nobody')).toEqual([]);
});

it("reads one tenant's keys through the index on the tenant, not a scan of every key", async () => {
  ran.length = 0;
  await new ApiKeyRepository(db).validHashes('t2500');
  const [query] = ran;
  expect(query?.sql).toMatch(/from "tenant_management"\."api_keys"/);
  const { rows } = await pool.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>(`EXPLAIN (FORMAT JSON) ${query!.sql}`, query!.parameters as unknown[]);
  const plan = JSON.stringify(rows[0]!['QUERY PLAN'][0]!.Plan);
  expect(plan).toContain('"Index Name":"api_keys_cliente_idx"');
  expect(plan).not.toContain('Seq Scan');
});
