import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ModuleCatalog } from '@kryonix/modules';
import { projectRoot } from '@kryonix/platform';
import { testDatabaseUrl, withAdmin } from '@kryonix/testing';
import { GeneratedFile, generateFiles, staleFiles } from './generate';
import { readModuleTables } from './module-tables';
import { withScratchDatabase } from './scratch-database';

/**
 * `npm run generate -- --check` against the test server: every generated file committed
 * is what the generator makes now from sql/modules (applied to a scratch database), the
 * control plane's schemas and the settings.
 */
const root = projectRoot();
let files: GeneratedFile[];

const scratchDatabases = () => withAdmin(async (c) => (await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'kryonix\\_generate\\_%'`)).rows.map((r) => r.datname as string));

beforeAll(async () => {
  const before = await scratchDatabases();
  files = await generateFiles({ root, databaseUrl: testDatabaseUrl() });
  // the scratch database is gone again
  expect((await scratchDatabases()).filter((d) => !before.includes(d))).toEqual([]);
});

/** The first line where the committed file and the generated one part, to say what is stale. */
function firstDifference(file: GeneratedFile): string {
  const path = join(root, file.path);
  if (!existsSync(path)) return `${file.path}: missing`;
  const committed = readFileSync(path, 'utf8').split('\n');
  const generated = file.content.split('\n');
  const i = generated.findIndex((line, n) => line !== committed[n]);
  const at = i < 0 ? generated.length : i;
  return `${file.path}:${at + 1}: committed ${JSON.stringify(committed[at])}, generated ${JSON.stringify(generated[at])}`;
}

it('the committed generated files are up to date (else: npm run generate, and commit)', async () => {
  expect(files.map((f) => f.path).sort()).toEqual(['README.md', 'docs/openapi/control-plane.json', 'docs/openapi/data-plane.json', 'libs/sdk/src/modules.ts', 'libs/sdk/src/types.ts']);
  const stale = await staleFiles(root, files);
  expect(stale.map((path) => firstDifference(files.find((f) => f.path === path)!))).toEqual([]);
});

it('--check lists a stale or missing file (and only those)', async () => {
  const copy = await mkdtemp(join(tmpdir(), 'kryonix-generate-check-'));
  try {
    for (const file of files.filter((f) => f.path !== 'docs/openapi/data-plane.json')) {
      await mkdir(dirname(join(copy, file.path)), { recursive: true });
      await writeFile(join(copy, file.path), file.path === 'libs/sdk/src/types.ts' ? file.content.replace('nome: string;', 'nome: number;') : file.content);
    }
    expect(await staleFiles(copy, files)).toEqual(['libs/sdk/src/types.ts', 'docs/openapi/data-plane.json']);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});

it('every $ref of both OpenAPI documents resolves', () => {
  for (const path of ['docs/openapi/control-plane.json', 'docs/openapi/data-plane.json']) {
    const text = files.find((f) => f.path === path)!.content;
    const document = JSON.parse(text) as Record<string, unknown>;
    const refs = [...text.matchAll(/"\$ref": "#\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    const missing = refs.filter((ref) => ref.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document) === undefined);
    expect([path, [...new Set(missing)]]).toEqual([path, []]);
  }
});

it('the built generator (dist/generate.js --check) exits 0 on this tree', () => {
  const run = spawnSync(process.execPath, [join(root, 'dist', 'generate.js'), '--check'], {
    env: { ...process.env, KRYONIX_DATABASE_URL: testDatabaseUrl() },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.stringContaining('generated files are up to date') });
}, 130_000);

describe('list filters, as the data plane reads them', () => {
  const content = (path: string) => files.find((f) => f.path === path)!.content;

  it('the SDK types a RangeFilter on number, date and time columns, a MatchFilter on others, and q where the manifest names searchable columns', () => {
    const types = content('libs/sdk/src/types.ts');
    const lead = /export interface LeadFilters \{\n([\s\S]*?)\n\}/.exec(types)?.[1];
    expect(lead).toContain('  status?: MatchFilter<string>;');
    expect(lead).toContain('  score?: RangeFilter<number>;');
    expect(lead).toContain('  orcamento?: RangeFilter<DecimalInput>;');
    expect(lead).toContain('  created_at?: RangeFilter<string>;'); // the manifest's createdAt is filterable
    expect(lead).toContain('  /** Case-insensitive search for this text (at most 100 characters) in nome, email, telefone, empresa. */\n  q?: string;');
    expect(/export interface LembreteFilters \{\n([\s\S]*?)\n\}/.exec(types)?.[1]).not.toContain('q?:');
    expect(types).toContain('a list without `order` is ordered -first_seen. */\nexport interface ContatoFilters {');
    expect(types).toContain('a list without `order` is ordered id. */\nexport interface ConfiguracaoCobrancaFilters {');
  });

  it('the OpenAPI document has one deepObject parameter per filterable column with the operators it takes, q, and the default order', () => {
    const document = JSON.parse(content('docs/openapi/data-plane.json'));
    const parameters = document.paths['/api/crm/leads'].get.parameters as Array<Record<string, any>>;
    const byName = (name: string) => parameters.find((p) => p.name === name)!;
    expect(byName('score')).toMatchObject({ in: 'query', style: 'deepObject', explode: true });
    expect(Object.keys(byName('score').schema.properties)).toEqual(['eq', 'in', 'gt', 'gte', 'lt', 'lte']);
    expect(Object.keys(byName('status').schema.properties)).toEqual(['eq', 'in']);
    expect(byName('q').schema).toEqual({ type: 'string', maxLength: 100 });
    expect(byName('order').schema.default).toBe('-created_at');
    expect(document.paths['/api/financeiro/configuracoes_cobranca'].get.parameters.find((p: { name: string }) => p.name === 'order').schema.default).toBe('id');
  });

  it.each([
    ['a searchable column that is not text', { searchable: ['score'] }, 'Module "crm", table "leads": searchable column(s) score are not text (varchar, bpchar, text).'],
    ['a createdAt that is not a timestamp', { createdAt: 'nome' }, 'Module "crm", table "leads": "nome" (its createdAt/updatedAt) is not a timestamp or timestamptz or date column.'],
    ['a filterable column the table lacks', { filterable: ['status', 'nao_existe'] }, 'Module "crm", table "leads": column(s) nao_existe named in its manifest are not columns of the table.'],
  ])('refuses a manifest with %s, naming the module, table and column', async (_what, change, message) => {
    const dir = await mkdtemp(join(tmpdir(), 'kryonix-generate-manifest-'));
    try {
      cpSync(join(root, 'sql', 'modules'), dir, { recursive: true });
      const manifest = JSON.parse(readFileSync(join(dir, 'crm', 'module.json'), 'utf8'));
      Object.assign(manifest.tables.leads, change);
      await writeFile(join(dir, 'crm', 'module.json'), JSON.stringify(manifest));
      const catalog = await ModuleCatalog.load(dir);
      await expect(withScratchDatabase(testDatabaseUrl(), (client) => readModuleTables(client, catalog))).rejects.toThrow(message);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
