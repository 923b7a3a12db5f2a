import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { BackupTenantCommand } from '@kryonix/tenants';
import { TestCore, TestEnv, createTestEnv } from './test-runtime';
import { fill, modulesWithFixture } from './tenant-rows';

export interface BackedUpTenants {
  env: TestEnv;
  core: TestCore;
  /** Each tenant's API key (shown once at its create). */
  keys: Record<string, string>;
  /** Each tenant's backup file, taken right after it was filled. */
  files: Record<string, string>;
  /** The modules folder (the shipped ones plus the fixture): a spec may add a version to it. */
  modulesDir: string;
  /** Where the backups were written (removed by cleanup). */
  outDir: string;
  /** The CA that signed the data plane's certificate (for httpsRequest). */
  ca: string;
  /** Settings for startDataPlane: the environment's, the fixture modules, the certificate, silent logs. */
  dataPlaneEnv: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * What the data plane's backup specs start from: a test environment with the fixture
 * module (arrays), a core on it, each tenant made on `default` with `modules`, filled with
 * rows of every type and backed up to a folder of its own, and a certificate for the data
 * plane the spec starts (an app is not a library's to start).
 */
export async function backedUpTenants(label: string, modules: readonly string[], tenants: ReadonlyArray<readonly [id: string, mode: 'database' | 'schema', name: string]>): Promise<BackedUpTenants> {
  const modulesDir = modulesWithFixture(label);
  const outDir = mkdtempSync(join(tmpdir(), `kryonix-${label}-out-`));
  const env = await createTestEnv(label);
  const core = await env.open({ KRYONIX_MODULES_DIR: modulesDir });
  const keys: Record<string, string> = {};
  const files: Record<string, string> = {};
  for (const [id, mode, name] of tenants) {
    keys[id] = (await core.provisioner.create({ id, name, modules: [...modules], mode, server: 'default' })).apiKey!;
    await fill(id, mode, modules);
    files[id] = (await core.commands.execute(new BackupTenantCommand({ id, out: join(outDir, `${id}.kxbackup`) }))).file;
  }
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  return {
    env,
    core,
    keys,
    files,
    modulesDir,
    outDir,
    ca: readFileSync(tls.cert, 'utf8'),
    dataPlaneEnv: { ...env.env, KRYONIX_MODULES_DIR: modulesDir, KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_LOG_LEVEL: 'silent' },
    cleanup: async () => {
      await core.close();
      await env.cleanup();
      rmSync(modulesDir, { recursive: true, force: true });
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
