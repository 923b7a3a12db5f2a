import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '@kryonix/platform';
import { TestEnv, createTestEnv, withAdmin } from '@kryonix/testing';

const BIN = projectPath('bin', 'kryonix.js');
let env: TestEnv;
let dir: string;

beforeAll(async () => {
  env = await createTestEnv('cli-ex');
  dir = mkdtempSync(join(tmpdir(), 'kryonix-cli-ex-'));
  const made = kryonix(['tenant', 'create', 'ce-src', 'Exporta Ltda', '--modules', 'crm']);
  if (made.code !== 0) throw new Error(made.stderr);
  await withAdmin((c) => c.query(`INSERT INTO crm.leads (nome, email) SELECT 'Lead ' || g || ', ção', CASE WHEN g % 2 = 0 THEN NULL ELSE '' END FROM generate_series(1, 30) g`), 'kryonix_cliente_ce_src');
});
afterAll(async () => {
  await env.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function kryonix(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env }, encoding: 'utf8', timeout: 120_000, cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kryonix tenant export', () => {
  it('writes a directory with a line per table, CSV with NULL apart from an empty string', () => {
    const r = kryonix(['tenant', 'export', 'ce-src', '--format', 'csv', '--out', join(dir, 'out')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/crm\.leads\.csv +30 rows/);
    expect(r.stdout).toContain('Exported ce-src: 3 tables, 30 rows as csv');
    expect(statSync(join(dir, 'out')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['README.md', 'crm.atividades.csv', 'crm.leads.csv', 'crm.oportunidades.csv']);
    const csv = readFileSync(join(dir, 'out', 'crm.leads.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^id,nome,email,/);
    expect(csv).toMatch(/,"Lead 1, ção","",/);
    expect(csv).toMatch(/,"Lead 2, ção",,/);
    expect(readFileSync(join(dir, 'out', 'README.md'), 'utf8')).toContain('| nome | character varying(255) | no |');
  });

  it('writes into the current directory by default (--json), a .zip with --out x.zip, and refuses a bad format with exit 2', () => {
    const r = kryonix(['tenant', 'export', 'ce-src', '--format', 'json', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ tenant: 'ce-src', format: 'json', rows: 30 });
    expect(result.out.startsWith(dir)).toBe(true);
    expect(readFileSync(join(result.out, 'crm.leads.jsonl'), 'utf8').trim().split('\n')).toHaveLength(30);
    const zip = kryonix(['tenant', 'export', 'ce-src', '--format', 'json', '--out', join(dir, 'out.zip')]);
    expect(zip.code).toBe(0);
    expect(statSync(join(dir, 'out.zip')).mode & 0o777).toBe(0o600);
    const bad = kryonix(['tenant', 'export', 'ce-src', '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/json, csv/);
  });
});
