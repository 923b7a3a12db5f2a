import { rm } from 'node:fs/promises';
// Jest loads the global setup outside its module map, so the path alias cannot be used here.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { stopEmbeddedPostgres } from '../../platform/src/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { kryonixTestPostgres?: { stop(): Promise<void> } }).kryonixTestPostgres?.stop();
  const home = process.env.KRYONIX_TEST_EMBEDDED_HOME;
  if (!home) return;
  await stopEmbeddedPostgres(home);
  await rm(home, { recursive: true, force: true });
}
