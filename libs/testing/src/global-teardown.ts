import { rm } from 'node:fs/promises';
import { stopEmbeddedPostgres } from '../../provisioning/src/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const home = process.env.KRYONIX_TEST_EMBEDDED_HOME;
  if (!home) return;
  await stopEmbeddedPostgres(home);
  await rm(home, { recursive: true, force: true });
}
