import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '@kryonix/platform';
import { ModuleCatalog } from './module-catalog';

describe('ModuleCatalog', () => {
  let catalog: ModuleCatalog;
  beforeAll(async () => {
    catalog = await ModuleCatalog.load(projectPath('sql', 'modules'));
  });

  it('loads the four modules of the source with their versions and tables', () => {
    expect(catalog.names()).toEqual(['agendamento', 'crm', 'financeiro', 'whatsapp']);
    expect(catalog.get('crm')).toMatchObject({ title: 'CRM', version: 2, dependencies: [] });
    expect(Object.keys(catalog.get('whatsapp').tables)).toHaveLength(6);
  });

  it('renders schema names as quoted parameters of the templates', () => {
    const sql = catalog.get('crm').migrations[0]!.render('acme_crm');
    expect(sql).toContain('CREATE TABLE "acme_crm".leads');
    expect(sql).toContain('REFERENCES "acme_crm".leads(id)');
    expect(sql).not.toMatch(/\bcrm\.leads/);
    expect(() => catalog.get('crm').migrations[0]!.render('bad"name')).toThrow();
  });

  it('refuses a migration that names its schema literally (crm.leads), with the file and line; comments and strings do not count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kx-mods-'));
    try {
      cpSync(projectPath('sql', 'modules'), dir, { recursive: true });
      const file = join(dir, 'crm', '0003_literal.sql.hbs');
      writeFileSync(file, "-- adds crm.leads.canal2 (a comment may say crm.leads)\nCOMMENT ON TABLE {{schema}}.leads IS 'see crm.leads';\nALTER TABLE crm.leads ADD COLUMN canal2 text;\n");
      await expect(ModuleCatalog.load(dir)).rejects.toThrow(`${file}:3: names the schema "crm" literally (crm.leads ADD COLUMN canal2 text;); write {{schema}}.<table> instead`);
      writeFileSync(file, 'ALTER TABLE "crm" . leads ADD COLUMN canal2 text;\n');
      await expect(ModuleCatalog.load(dir)).rejects.toThrow(`${file}:1: names the schema "crm" literally`);
      writeFileSync(file, "-- adds crm.leads.canal2\nALTER TABLE {{schema}}.leads ADD COLUMN canal2 text DEFAULT 'crm.x';\n");
      expect((await ModuleCatalog.load(dir)).get('crm').version).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses lists, dedupes and orders dependencies first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kx-mods-'));
    try {
      cpSync(projectPath('sql', 'modules'), dir, { recursive: true });
      writeFileSync(join(dir, 'crm', 'module.json'), JSON.stringify({ name: 'crm', title: 'CRM', dependencies: ['whatsapp'], tables: {} }));
      writeFileSync(join(dir, 'crm', '0003_more.sql.hbs'), 'ALTER TABLE {{schema}}.leads ADD COLUMN x int;');
      const c = await ModuleCatalog.load(dir);
      expect(c.get('crm').version).toBe(3);
      expect(c.resolve(' crm , whatsapp,crm').map((m) => m.name)).toEqual(['whatsapp', 'crm']);
      expect(() => c.resolve('crm')).toThrow('Module "crm" requires "whatsapp"; add it to the modules.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses gaps in migration numbers and bad manifests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kx-mods-'));
    try {
      cpSync(projectPath('sql', 'modules', 'crm'), join(dir, 'crm'), { recursive: true });
      writeFileSync(join(dir, 'crm', '0004_gap.sql.hbs'), 'SELECT 1;');
      await expect(ModuleCatalog.load(dir)).rejects.toThrow(/without gaps/);
      rmSync(join(dir, 'crm', '0004_gap.sql.hbs'));
      writeFileSync(join(dir, 'crm', 'module.json'), JSON.stringify({ name: 'crm', title: 'CRM', tables: {}, surprise: 1 }));
      await expect(ModuleCatalog.load(dir)).rejects.toThrow(/Invalid manifest/);
      // '_' would let <tenant>_<module> schema names collide (tenant a-b + x vs tenant a + b_x)
      writeFileSync(join(dir, 'crm', 'module.json'), JSON.stringify({ name: 'crm_x', title: 'CRM', tables: {} }));
      await expect(ModuleCatalog.load(dir)).rejects.toThrow(/Invalid manifest/);
      // a filter named like a list parameter could never be reached
      writeFileSync(join(dir, 'crm', 'module.json'), JSON.stringify({ name: 'crm', title: 'CRM', tables: { leads: { filterable: ['status', 'q'] } } }));
      await expect(ModuleCatalog.load(dir)).rejects.toThrow('table "leads": a filterable column may not be named q (the list\'s own parameters: limit, cursor, order, q).');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a table\'s createdAt and updatedAt are filterable (and so orderable); searchable defaults to none', () => {
    expect(catalog.get('crm').tables.leads).toMatchObject({ primaryKey: 'id', createdAt: 'created_at', updatedAt: 'updated_at', searchable: ['nome', 'email', 'telefone', 'empresa'] });
    expect(catalog.get('crm').tables.leads!.filterable.slice(-2)).toEqual(['created_at', 'updated_at']);
    expect(catalog.get('whatsapp').tables.contatos).toMatchObject({ createdAt: 'first_seen', filterable: expect.arrayContaining(['first_seen', 'updated_at']) });
    expect(catalog.get('financeiro').tables.relatorios_mensais).toMatchObject({ createdAt: 'gerado_em', searchable: [] });
    expect(catalog.get('financeiro').tables.configuracoes_cobranca!.createdAt).toBeUndefined();
  });
});
