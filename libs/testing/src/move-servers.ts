import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { projectPath } from '@kryonix/platform';
import { moveObjectName } from '@kryonix/fleet';
import { spawnControlPlane } from './control-plane-process';
import type { ExtraPostgres } from './extra-postgres';
import { TestEnv, tenantRolePassword, testDatabaseUrl } from './test-runtime';

const BIN = projectPath('bin', 'kryonix.js');
const TOKEN = 'move-operator-token-0123456789';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** What a move may leave behind on a server. */
export interface Leftovers {
  publications: string[];
  subscriptions: string[];
  slots: string[];
  roles: string[];
}
export const NONE: Leftovers = { publications: [], subscriptions: [], slots: [], roles: [] };

/**
 * The servers of a move spec (the test environment's own, `default`, and extra ones by
 * name) and what such a spec does with them: the CLI, SQL on a server, what a move left.
 */
export class MoveServers {
  private readonly extra = new Map<string, ExtraPostgres>();
  /** The operator token of `controlPlane` (for `--api <url> --token`). */
  readonly token = TOKEN;

  constructor(
    readonly env: TestEnv,
    private readonly settings: Record<string, string> = {},
  ) {}

  /** Registers an extra server under `name` (for `on`, `leftovers`, `asTenant`); not added to the registry. */
  use(name: string, server: ExtraPostgres): ExtraPostgres {
    this.extra.set(name, server);
    return server;
  }

  /** `kryonix server add <name> <url> …`, failing the spec when refused. */
  add(name: string, server: ExtraPostgres, args: string[] = []): void {
    this.use(name, server);
    const added = this.kryonix(['server', 'add', name, server.url, ...args]);
    if (added.code !== 0) throw new Error(`server add ${name}: ${added.stderr}`);
  }

  kryonix(args: string[], extra: Record<string, string> = {}): CliResult {
    const r = spawnSync(process.execPath, [BIN, ...args], { env: this.processEnv(extra), encoding: 'utf8', timeout: 240_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** A CLI process left running (to be killed). */
  spawn(args: string[], extra: Record<string, string> = {}): { child: ChildProcess; exited: Promise<unknown> } {
    const child = spawn(process.execPath, [BIN, ...args], { env: this.processEnv(extra), stdio: 'ignore' });
    return { child, exited: new Promise((resolve) => child.once('exit', resolve)) };
  }

  /** The same as `kryonix`, without blocking this process. */
  kryonixAsync(args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: this.processEnv(extra) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  url(server: string, database = 'postgres', user?: { name: string; password: string }): string {
    const found = server === 'default' ? testDatabaseUrl() : this.extra.get(server)?.url;
    if (!found) throw new Error(`no server ${server} in this spec`);
    const url = new URL(found);
    url.pathname = `/${database}`;
    if (user) {
      url.username = user.name;
      url.password = user.password;
    }
    return url.toString();
  }

  async on<R>(server: string, text: string, params: unknown[] = [], database = 'postgres'): Promise<R[]> {
    const client = new Client({ connectionString: this.url(server, database) });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as R[];
    } finally {
      await client.end();
    }
  }

  registry<R>(text: string, params: unknown[] = []): Promise<R[]> {
    return this.on<R>('default', text, params, this.env.config.registryDatabase);
  }

  async serverOf(tenant: string): Promise<string | undefined> {
    return (await this.registry<{ s: string }>(`SELECT server_name AS s FROM tenant_management.clientes WHERE id = $1`, [tenant]))[0]?.s;
  }

  /** Publications (in `database`), subscriptions, slots and move roles on a server (on the shared `default`, only this spec's: see moveLeftovers). */
  async leftovers(server: string, database: string): Promise<Leftovers> {
    return moveLeftovers((text, params, db) => this.on<{ n: string }>(server, text, params, db), database, server === 'default' ? await this.ownMoveNames() : undefined);
  }

  /** The object names of every move this spec's registry knows. */
  async ownMoveNames(): Promise<Set<string>> {
    return new Set((await this.registry<{ id: string }>(`SELECT id FROM tenant_management.moves`)).map((m) => moveObjectName(m.id)));
  }

  /** Leftovers of every server of this spec for a tenant's database (or the shared one). */
  async leftoversEverywhere(database: string): Promise<Record<string, Leftovers>> {
    const out: Record<string, Leftovers> = {};
    for (const server of ['default', ...this.extra.keys()]) out[server] = await this.leftovers(server, database);
    return out;
  }

  /** A connection as the tenant's own role to a server. */
  async asTenant(id: string, server: string, database: string): Promise<Client> {
    const client = new Client({ connectionString: this.url(server, database, { name: `cliente_${id.replace(/-/g, '_')}_user`, password: await tenantRolePassword(this.env, id) }) });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  /** The control plane as its own process (so it can be killed with -9). */
  controlPlane(extra: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
    return spawnControlPlane({ ...this.env.env, ...this.settings, KRYONIX_OPERATOR_TOKEN: TOKEN, ...extra });
  }

  async api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: await res.json() };
  }

  private processEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { ...process.env, ...this.env.env, ...this.settings, ...extra };
  }
}

/**
 * A folder for KRYONIX_MODULES_DIR: the shipped modules plus `contador`, a fixture module
 * whose table has a serial key (sequences must follow a move; the shipped modules use
 * UUIDs). `columns`: its columns after `id serial PRIMARY KEY`.
 */
export function writeCounterModules(label: string, columns = 'nome text NOT NULL'): string {
  const dir = mkdtempSync(join(tmpdir(), `kx-${label}-mods-`));
  cpSync(projectPath('sql', 'modules'), dir, { recursive: true });
  mkdirSync(join(dir, 'contador'));
  writeFileSync(join(dir, 'contador', 'module.json'), JSON.stringify({ name: 'contador', title: 'Contador', dependencies: [], tables: { contagens: { primaryKey: 'id', filterable: ['nome'] } } }));
  writeFileSync(join(dir, 'contador', '0001_init.sql.hbs'), `CREATE TABLE {{schema}}.contagens (id serial PRIMARY KEY, ${columns});\n`);
  return dir;
}

/** Polls until `rows` returns a row (at most `ms`, default 120 s). */
export async function until(rows: () => Promise<unknown[]>, failure: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await rows()).length === 0) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The copy-progress events a `tenant move --json` writes on stderr (one JSON line each): what a spec removes before asking for an empty stderr. */
export const COPY_PROGRESS = /^\{"event":"copy_progress"[^\n]*\n/gm;

/**
 * What a move may leave behind on a server: publications (in `database`), subscriptions,
 * replication slots (its own and the initial copy's `pg_<oid>_sync_…` ones) and move roles.
 * `own`, for the test PostgreSQL that every spec file shares (`default`): only the objects
 * of these moves count, and the copy's sync slots (which name no move) are left out, since
 * another spec's move may be running there at the same moment. An extra server belongs to
 * one spec, so everything on it counts.
 */
export async function moveLeftovers(
  query: (text: string, params: unknown[], database?: string) => Promise<Array<{ n: string }>>,
  database: string,
  own?: ReadonlySet<string>,
): Promise<Leftovers> {
  const [pubs, subs, slots, roles] = await Promise.all([
    query(`SELECT pubname AS n FROM pg_publication WHERE pubname LIKE 'kryonix\\_move\\_%'`, [], database).catch((e: { code?: string }) => {
      if (e.code === '3D000') return []; // no such database there: no publication either
      throw e;
    }),
    query(`SELECT subname AS n FROM pg_subscription WHERE subname LIKE 'kryonix\\_move\\_%'`, []),
    query(own ? `SELECT slot_name AS n FROM pg_replication_slots WHERE slot_name LIKE 'kryonix\\_move\\_%'` : `SELECT slot_name AS n FROM pg_replication_slots WHERE slot_name LIKE 'kryonix\\_move\\_%' OR slot_name ~ '^pg_[0-9]+_sync_'`, []),
    query(`SELECT rolname AS n FROM pg_roles WHERE rolname LIKE 'kryonix\\_move\\_%'`, []),
  ]);
  const names = (rows: Array<{ n: string }>) => rows.map((r) => r.n).filter((n) => !own || own.has(n));
  return { publications: names(pubs), subscriptions: names(subs), slots: names(slots), roles: names(roles) };
}
