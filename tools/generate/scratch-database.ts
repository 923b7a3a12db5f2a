import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { quoteIdent } from '@kryonix/domain';
import { ensureEmbeddedPostgres, stopEmbeddedPostgres } from '@kryonix/platform';
import { freePort } from '@kryonix/testing';

/**
 * Runs `fn` on a connection to a database made for it and dropped afterwards, on the
 * server at `adminUrl` (a role that may CREATE DATABASE) or, without one, on an embedded
 * PostgreSQL started for this run under a temporary home and stopped at the end.
 */
export async function withScratchDatabase<R>(adminUrl: string | undefined, fn: (client: Client) => Promise<R>): Promise<R> {
  if (adminUrl) return inScratchDatabase(adminUrl, fn);
  const home = await mkdtemp(join(tmpdir(), 'kryonix-generate-'));
  try {
    await chmod(home, 0o755); // as root the server runs as `postgres`, which must enter the home
    const server = await ensureEmbeddedPostgres(home, await freePort());
    try {
      return await inScratchDatabase(server.url, fn);
    } finally {
      await stopEmbeddedPostgres(home);
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

async function inScratchDatabase<R>(adminUrl: string, fn: (client: Client) => Promise<R>): Promise<R> {
  const name = `kryonix_generate_${randomBytes(4).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return withClient(adminUrl, async (admin) => {
    // template0: nothing an operator added to template1 reaches the catalog read.
    await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
    try {
      return await withClient(url.toString(), fn);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    }
  });
}

async function withClient<R>(connectionString: string, fn: (client: Client) => Promise<R>): Promise<R> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
