import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { projectRoot } from '@kryonix/platform';
import { testDatabaseUrl, withAdmin } from '@kryonix/testing';
import { GeneratedFile, generateFiles, staleFiles } from './generate';

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
