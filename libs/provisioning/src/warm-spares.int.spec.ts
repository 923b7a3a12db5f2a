import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '@kryonix/registry';
import { connectAsTenant, createTestEnv, tableCounts, TestEnv, tenantFootprint, withAdmin } from '@kryonix/testing';
import { StepEvent } from './plan';
import { KryonixRuntime } from './runtime';

/**
 * Warm spare databases (database mode). The modules are a private copy with a changed
 * comment, so this file's template — and its spares — are its own on the shared server.
 */
const modulesDir = mkdtempSync(join(tmpdir(), 'kx-spare-modules-'));
const MODULES = ['crm', 'whatsapp'];
let env: TestEnv;
let rt: KryonixRuntime;

beforeAll(async () => {
  cpSync(projectPath('sql', 'modules'), modulesDir, { recursive: true });
  appendFileSync(join(modulesDir, 'crm', '0001_init.sql.hbs'), `\n-- warm spares test ${randomBytes(4).toString('hex')}\n`);
  env = await createTestEnv('spares');
  rt = await env.open({ KRYONIX_MODULES_DIR: modulesDir }, { warmDatabases: 2 });
});
afterAll(async () => {
  await env.cleanup(); // closes the runtimes, which first wait for spares being made
  rmSync(modulesDir, { recursive: true, force: true });
});

let template = '';
const spares = async (): Promise<string[]> =>
  withAdmin(async (c) => (await c.query(`SELECT datname FROM pg_database WHERE left(datname, $2) = $1 ORDER BY 1`, [`kryonix_spare_${template.slice('kryonix_tpl_'.length)}_`, 'kryonix_spare_'.length + 17])).rows.map((r) => r.datname as string));

async function create(runtime: KryonixRuntime, id: string): Promise<Record<string, unknown>> {
  let details: Record<string, unknown> = {};
  await runtime.provisioner.create({ id, name: id, modules: MODULES, mode: 'database' }, { onStep: (e: StepEvent) => void (e.step === 'create_database' && e.status === 'sucesso' && (details = e.details ?? {})) });
  return details;
}

const opts = () => ({ registryDatabase: env.config.registryDatabase, outputDir: env.config.outputDir });

describe('warm spare databases', () => {
  it('the first create clones the template and leaves spares; the next one renames a spare: same tables, same isolation', async () => {
    const first = await create(rt, 'sp-one');
    template = String(first.template);
    expect(template).toMatch(/^kryonix_tpl_[0-9a-f]{16}$/);
    expect(first.spare).toBeUndefined();
    await rt.provisioner.drain();
    const before = await spares();
    expect(before).toHaveLength(2);

    const second = await create(rt, 'sp-two');
    expect(before).toContain(second.spare);
    expect(await spares()).not.toContain(second.spare);
    expect((await tenantFootprint('sp-two', opts())).databases).toEqual(['kryonix_cliente_sp_two']);
    expect(await tableCounts('kryonix_cliente_sp_two', MODULES)).toEqual(await tableCounts('kryonix_cliente_sp_one', MODULES));

    // its own role works there; another tenant's role cannot even connect
    const own = await connectAsTenant(env, 'sp-two', 'kryonix_cliente_sp_two');
    try {
      expect((await own.query('SELECT count(*)::int AS n FROM crm.leads')).rows[0].n).toBe(0);
    } finally {
      await own.end();
    }
    await expect(connectAsTenant(env, 'sp-one', 'kryonix_cliente_sp_two')).rejects.toMatchObject({ code: '42501' });

    await rt.provisioner.drain();
    expect(await spares()).toHaveLength(2);
  });

  it('a create that fails after claiming a spare leaves nothing behind', async () => {
    const failing = await env.open({ KRYONIX_MODULES_DIR: modulesDir, KRYONIX_FAILPOINTS: 'grant_access=fail' });
    const available = await spares();
    await expect(failing.provisioner.create({ id: 'sp-fail', name: 'Fail', modules: MODULES, mode: 'database' })).rejects.toThrow(/grant_access/);
    const footprint = await tenantFootprint('sp-fail', opts());
    expect(footprint.databases).toEqual([]);
    expect(footprint.roles).toEqual([]);
    expect((await spares()).length).toBe(available.length - 1); // the claimed spare was the database undone
  });

  it('concurrent creates share the spares: each gets a database of its own, the rest are cloned', async () => {
    await create(rt, 'sp-warm');
    await rt.provisioner.drain();
    const ids = ['sp-c1', 'sp-c2', 'sp-c3', 'sp-c4', 'sp-c5'];
    const results = await Promise.all(ids.map((id) => create(rt, id)));
    const used = results.map((r) => r.spare).filter(Boolean);
    expect(used.length).toBeGreaterThanOrEqual(1);
    expect(used.length).toBeLessThanOrEqual(2);
    expect(new Set(used).size).toBe(used.length);
    for (const id of ids) expect((await tenantFootprint(id, opts())).databases).toEqual([`kryonix_cliente_${id.replace('-', '_')}`]);
    await rt.provisioner.drain();
    expect(await spares()).toHaveLength(2);
  });
});
