import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { Kysely } from 'kysely';
import { KRYONIX_CONFIG, type KryonixConfig, tenantUrl } from '@kryonix/platform';
import { GeneratedFiles, tenantFileModel, withTenantLock } from '@kryonix/provisioning';
import { REGISTRY_DB, type RegistryDatabase, TenantRepository } from '@kryonix/registry';
import { RefreshTenantFilesCommand } from './refresh-tenant-files.command';

/** Where the URL pattern (and the settings key of GeneratedFiles) the files were last written with is kept. */
const MARKER = '.tenant-url';

@CommandHandler(RefreshTenantFilesCommand)
export class RefreshTenantFilesHandler implements ICommandHandler<RefreshTenantFilesCommand, string[]> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly files: GeneratedFiles,
    @Inject(REGISTRY_DB) private readonly registry: Kysely<RegistryDatabase>,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async execute(): Promise<string[]> {
    // the URL pattern and what else the files depend on (the backup alerts of KRYONIX_BACKUP_SCHEDULE)
    const pattern = `${tenantUrl(this.config, '<id>')}\n${this.files.settingsKey}`;
    const marker = join(this.config.outputDir, MARKER);
    if ((await readFile(marker, 'utf8').catch(() => '')).trim() === pattern) return [];
    const rewritten: string[] = [];
    for (const t of await this.tenants.list()) {
      if (t.status !== 'active' && t.status !== 'suspended') continue;
      // under the tenant's lock, as every other write of its files
      await withTenantLock(this.registry, t.id, () =>
        this.files.write(tenantFileModel({ id: t.id, database: t.databaseName, role: t.roleName, mode: t.mode, modules: t.modules }, tenantUrl(this.config, t.id))),
      );
      rewritten.push(t.id);
    }
    await mkdir(this.config.outputDir, { recursive: true });
    await writeFile(marker, `${pattern}\n`);
    return rewritten;
  }
}
