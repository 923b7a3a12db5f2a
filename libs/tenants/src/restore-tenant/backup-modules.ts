import { BackupUnreadable, InvalidInput, MigrationChanged } from '@kryonix/domain';
import { ModuleCatalog, ModuleDefinition, moduleAtVersion } from '@kryonix/modules';
import type { BackupManifest } from '@kryonix/provisioning';

/**
 * The backup's modules as this installation's catalog has them at the backup's versions,
 * in dependency order. Refused: a module the catalog lacks, a version newer than the
 * catalog's, and a migration file whose checksum differs from the one the backup was made
 * with (named: the restored tenant would not be what the backup was).
 */
export function modulesOfBackup(catalog: ModuleCatalog, manifest: BackupManifest): ModuleDefinition[] {
  const ordered = catalog.resolve(manifest.modules.map((m) => m.name));
  const changed = new Map<string, string[]>();
  const atVersions = ordered.map((def) => {
    const m = manifest.modules.find((x) => x.name === def.name)!;
    if (!Number.isInteger(m.version) || m.version < 1 || m.migrations.length !== m.version || m.migrations.some((mig, i) => mig.version !== i + 1)) {
      throw new BackupUnreadable('format', `The backup's manifest lists module ${m.name} at version ${m.version} without its migrations 1 to ${m.version}.`);
    }
    if (m.version > def.version) {
      throw new InvalidInput(`The backup has module ${m.name} at version ${m.version}; this installation's catalog only goes to ${def.version}. Restore it where the modules are at least as new.`, { field: 'file' });
    }
    for (const mig of m.migrations) {
      const file = def.migrations[mig.version - 1]!;
      if (file.checksum !== mig.checksum) changed.set(file.file, [manifest.tenant.id]);
    }
    return moduleAtVersion(def, m.version);
  });
  if (changed.size) throw MigrationChanged.of(`Refusing to restore the backup of "${manifest.tenant.id}"`, changed);
  return atVersions;
}
