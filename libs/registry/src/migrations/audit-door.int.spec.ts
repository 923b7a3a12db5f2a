import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { projectPath } from '@kryonix/platform';
import { testDatabaseUrl, withAdmin } from '@kryonix/testing';
import type { RegistryDatabase } from '../database';
import { AuditRepository } from '../audit.repository';
import { migrateRegistry } from './registry-migrator';

const database = `kx_test_audit_door_${randomBytes(3).toString('hex')}`;
let db: Kysely<RegistryDatabase>;

beforeAll(async () => {
  await withAdmin((c) => c.query(`CREATE DATABASE "${database}"`));
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${database}`;
  db = new Kysely<RegistryDatabase>({ dialect: new PostgresDialect({ pool: new Pool({ connectionString: url.toString(), max: 2 }) }) });
});
afterAll(async () => {
  await db.destroy();
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
});

describe('registry migration 0005 (one audit vocabulary)', () => {
  it('renames the action names older rows were written with and fills in their door', async () => {
    // The registry as it was before 0005, with rows written by each door of that time.
    const before = mkdtempSync(join(tmpdir(), 'kryonix-registry-'));
    for (const f of ['0001_init.sql', '0002_lifecycle_audit.sql', '0003_jobs.sql', '0004_rate_limits.sql']) cpSync(projectPath('sql', 'registry', f), join(before, f));
    await migrateRegistry(db, before);
    rmSync(before, { recursive: true, force: true });
    const old = [
      ['operator', 'POST /v1/tenants', 'acme'],
      ['cli:alice', 'POST /v1/tenants/:id/suspend', 'acme'],
      ['cli:alice', 'tenant delete --purge', 'acme'],
      ['cli:alice', 'tenant rotate-key', 'acme'],
      ['operator', 'PUT /v1/tenants/:id/modules', 'acme'],
    ];
    await withAdmin(async (c) => {
      for (const [actor, action, target] of old) await c.query(`INSERT INTO tenant_management.audit_log (actor, action, target, outcome) VALUES ($1, $2, $3, 'success')`, [actor, action, target]);
    }, database);

    await migrateRegistry(db);
    const rows = (await new AuditRepository(db).listFor('acme')).reverse();
    expect(rows.map((r) => [r.actor, r.action, r.door])).toEqual([
      ['operator', 'tenant.create', 'http'],
      ['cli:alice', 'tenant.suspend', 'agent'],
      ['cli:alice', 'tenant.purge', 'cli'],
      ['cli:alice', 'tenant.rotate_key', 'cli'],
      ['operator', 'tenant.change_modules', 'http'],
    ]);
  });
});
