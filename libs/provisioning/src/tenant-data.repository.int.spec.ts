import { randomBytes } from 'node:crypto';
import { type TestCore, type TestEnv, createTestEnv, withAdmin } from '@kryonix/testing';
import { TenantDataRepository, type TenantDataTransaction } from './tenant-data.repository';

let env: TestEnv;
let rt: TestCore;
const database = `kx_test_tdr_${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  env = await createTestEnv('tdr');
  rt = await env.open();
  await withAdmin((c) => c.query(`CREATE DATABASE ${database}`));
  await withAdmin(async (c) => {
    // rows by a random key (as crm's UUIDs), and rows inserted in key order (a serial key)
    await c.query(`CREATE SCHEMA s;
      CREATE TABLE s.scattered (id uuid PRIMARY KEY, v text);
      CREATE TABLE s.ordered (id bigserial PRIMARY KEY, v text);
      CREATE TABLE s.fresh (id int PRIMARY KEY);
      INSERT INTO s.scattered SELECT md5(g::text)::uuid, 'row ' || g FROM generate_series(1, 20000) g;
      INSERT INTO s.ordered (v) SELECT 'row ' || g FROM generate_series(1, 20000) g;
      ANALYZE s.scattered; ANALYZE s.ordered;`);
  }, database);
}, 120_000);

afterAll(async () => {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => undefined);
  await env.cleanup();
});

const shape = (table: string) => ({ schema: 's', table, columns: table === 'fresh' ? ['id'] : ['id', 'v'], primaryKey: ['id'], collated: table === 'fresh' ? [] : ['v'] });

async function indexScanAfter(tx: TenantDataTransaction, table: string): Promise<boolean> {
  await tx.preferOrderedScan(shape(table));
  const setting = await tx.setting('enable_indexscan');
  return setting === 'on';
}

describe('TenantDataTransaction.preferOrderedScan', () => {
  it('leaves the key index to a table whose rows lie in key order, and a scan and a sort to one scattered or without statistics', async () => {
    const seen = await new TenantDataRepository(rt.connector).snapshot(database, async (tx) => ({
      ordered: await indexScanAfter(tx, 'ordered'),
      scattered: await indexScanAfter(tx, 'scattered'),
      fresh: await indexScanAfter(tx, 'fresh'),
      orderedAgain: await indexScanAfter(tx, 'ordered'),
    }));
    expect(seen).toEqual({ ordered: true, scattered: false, fresh: false, orderedAgain: true });
  });

  it('changes the plan, not the rows: the scattered table reads back in key order with the same checksum either way', async () => {
    const repo = new TenantDataRepository(rt.connector);
    const planner = await repo.snapshot(database, (tx) => tx.checksum(shape('scattered')));
    const sorted = await repo.snapshot(database, async (tx) => {
      await tx.preferOrderedScan(shape('scattered'));
      return tx.checksum(shape('scattered'));
    });
    expect(sorted).toEqual(planner);
    expect(sorted.rows).toBe(20000);
  });
});
