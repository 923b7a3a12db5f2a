import { randomBytes } from 'node:crypto';
import { mkdtemp, chmod } from 'node:fs/promises';
import { freePort } from './ports';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Jest loads the global setup outside its module map, so the path alias cannot be used here.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { ensureEmbeddedPostgres } from '../../platform/src/embedded-postgres';
import { chooseTestServers, describeTestServers, startPostgresContainer } from './containers';

/**
 * Tests talk to a real PostgreSQL: KRYONIX_TEST_DATABASE_URL when given; else, with
 * KRYONIX_TEST_DOCKER=1 and a reachable Docker engine, one in a container
 * (testcontainers; test files then start Redis that way too); else an embedded one
 * started here on a free port under a temporary KRYONIX_HOME.
 */
export default async function globalSetup(): Promise<void> {
  // One installation, one master key: every test environment on the shared server uses it.
  process.env.KRYONIX_TEST_MASTER_KEY ??= randomBytes(32).toString('hex');
  if (process.env.KRYONIX_TEST_DATABASE_URL) return;
  const servers = await chooseTestServers();
  const line = describeTestServers(servers);
  if (line) process.stdout.write(`\n${line}\n`);
  if (servers.kind === 'docker') {
    const postgres = await startPostgresContainer();
    (globalThis as { kryonixTestPostgres?: typeof postgres }).kryonixTestPostgres = postgres; // the teardown runs in this process
    process.env.KRYONIX_TEST_DATABASE_URL = postgres.url;
    process.env.KRYONIX_TEST_CONTAINERS = 'docker';
    return;
  }
  const home = await mkdtemp(join(tmpdir(), 'kryonix-test-'));
  await chmod(home, 0o755); // the server runs as `postgres` when we are root
  const server = await ensureEmbeddedPostgres(home, await freePort());
  process.env.KRYONIX_TEST_DATABASE_URL = server.url;
  process.env.KRYONIX_TEST_EMBEDDED_HOME = home;
}
