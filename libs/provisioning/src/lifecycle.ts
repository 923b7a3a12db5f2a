import { randomUUID } from 'node:crypto';
import { Kysely } from 'kysely';
import { InvalidInput, SHARED_TENANTS_DATABASE, TenantNotFound, TenantStateConflict, TenantStatus, tenantSchemaName, validateTenantId } from '@kryonix/domain';
import { ApiKeyRepository, ModuleLedgerRepository, ProvisioningLogRepository, RegistryDatabase, TenantRecord, TenantRepository } from '@kryonix/registry';
import { GeneratedFiles, tenantFileModel } from './generated-files';
import { ModuleCatalog } from '@kryonix/modules';
import { SecretBox, generateApiKey, generatePassword, scramSha256Verifier } from '@kryonix/platform';
import { withTenantLock } from './tenant-lock';
import { TenantStorageRepository } from './tenant-storage.repository';

export interface LifecycleDeps {
  registry: Kysely<RegistryDatabase>;
  storage: TenantStorageRepository;
  catalog: ModuleCatalog;
  baseDomain: string;
  secrets: SecretBox;
  files: GeneratedFiles;
  /** KRYONIX_DELETE_GRACE: how long a soft-deleted tenant's data is kept. */
  deleteGraceMs: number;
}

export const MAX_KEY_OVERLAP_MS = 7 * 24 * 3600 * 1000;

export interface StatusChange {
  id: string;
  status: TenantStatus;
}

export interface ModulesChange {
  id: string;
  modules: string[];
  added: string[];
  removed: string[];
  /** Removed modules whose schemas (and data) were dropped; the others are detached and kept. */
  purged: string[];
}

export interface DeletionResult {
  id: string;
  status: 'deleting' | 'purged';
  purgeAfter?: Date;
}

/**
 * Everything that happens to a tenant after it exists: suspend and resume
 * (its role loses and regains LOGIN), key and credential rotation, soft delete
 * and purge. Each runs under the tenant's advisory lock and is logged.
 */
export class TenantLifecycle {
  constructor(private readonly deps: LifecycleDeps) {}

  suspend(rawId: unknown): Promise<StatusChange> {
    return this.withTenant(rawId, 'suspend', ['active', 'suspended'], async (admin, t) => {
      await this.deps.storage.setLogin(admin, t.roleName, false);
      if (t.status !== 'suspended') await new TenantRepository(admin).setStatus(t.id, 'suspended');
      return { id: t.id, status: 'suspended' };
    });
  }

  resume(rawId: unknown): Promise<StatusChange> {
    return this.withTenant(rawId, 'resume', ['active', 'suspended'], async (admin, t) => {
      await this.deps.storage.setLogin(admin, t.roleName, true);
      if (t.status !== 'active') await new TenantRepository(admin).setStatus(t.id, 'active');
      return { id: t.id, status: 'active' };
    });
  }

  /** A new API key, shown once; the tenant's other keys are revoked now or after `overlapMs` (at most 7 days). */
  rotateApiKey(rawId: unknown, overlapMs = 0): Promise<{ id: string; apiKey: string; prefix: string; previousKeysValidUntil: Date }> {
    if (!Number.isFinite(overlapMs) || overlapMs < 0 || overlapMs > MAX_KEY_OVERLAP_MS) {
      throw new InvalidInput('The key overlap must be between 0 and 7 days.', { field: 'overlap' });
    }
    return this.withTenant(rawId, 'rotate_api_key', ['active', 'suspended'], async (admin, t) => {
      const key = generateApiKey(t.id);
      await new ApiKeyRepository(admin).replace(t.id, key.prefix, key.hash, overlapMs);
      return { id: t.id, apiKey: key.key, prefix: key.prefix, previousKeysValidUntil: new Date(Date.now() + overlapMs) };
    });
  }

  /** A new database password for the tenant role, stored encrypted; it is not shown. */
  rotateCredentials(rawId: unknown): Promise<{ id: string; role: string }> {
    return this.withTenant(rawId, 'rotate_credentials', ['active', 'suspended'], async (admin, t) => {
      const password = generatePassword();
      await this.deps.storage.setPassword(admin, t.roleName, scramSha256Verifier(password));
      await new TenantRepository(admin).setRolePassword(t.id, this.deps.secrets.encrypt(password, t.id));
      return { id: t.id, role: t.roleName };
    });
  }

  /** The tenant's data-plane limit in requests per minute; null = the default (KRYONIX_RATE_LIMIT). */
  setRateLimit(rawId: unknown, perMinute: number | null): Promise<{ id: string; rateLimitPerMinute: number | null }> {
    if (perMinute !== null && (!Number.isInteger(perMinute) || perMinute < 1 || perMinute > 10_000_000)) {
      throw new InvalidInput('The rate limit must be an integer number of requests per minute (1 to 10,000,000), or null for the default.', { field: 'perMinute' });
    }
    return this.withTenant(rawId, 'set_rate_limit', ['active', 'suspended'], async (admin, t) => {
      await new TenantRepository(admin).setRateLimit(t.id, perMinute);
      return { id: t.id, rateLimitPerMinute: perMinute };
    });
  }

  /**
   * Sets the tenant's modules to `wanted` (the whole set). Added modules get
   * their schemas and migrations (dependencies first) and grants; removed ones
   * are detached (the role loses access, the data stays) or, with `purge`,
   * dropped. Re-adding a detached module re-attaches its kept schema.
   */
  changeModules(rawId: unknown, wanted: unknown, options: { purge?: boolean } = {}): Promise<ModulesChange> {
    const next = this.deps.catalog.resolve(wanted);
    return this.withTenant(rawId, 'change_modules', ['active', 'suspended'], async (admin, t) => {
      const { storage, files } = this.deps;
      const nextNames = next.map((m) => m.name);
      const added = next.filter((m) => !t.modules.includes(m.name));
      const removed = t.modules.filter((m) => !nextNames.includes(m));
      const schemaOf = (module: string) => tenantSchemaName(t.id, t.mode, module);
      const ledger = new ModuleLedgerRepository(admin);
      if (added.length) {
        const present = new Set(await storage.existingSchemasIn(t.databaseName, added.map((m) => schemaOf(m.name))));
        const fresh = added.filter((m) => !present.has(schemaOf(m.name)));
        if (fresh.length) await storage.createModuleSchemas(t.databaseName, fresh.map((module) => ({ module, schema: schemaOf(module.name) })), t.roleName);
        await storage.grantAccess(t.databaseName, t.roleName, added.map((m) => schemaOf(m.name)));
        await ledger.record(t.id, fresh.flatMap((m) => m.migrations.map((mig) => ({ module: m.name, version: mig.version, name: mig.name, checksum: mig.checksum }))));
      }
      if (removed.length) {
        await storage.revokeAccess(admin, t.databaseName, t.roleName, removed.map(schemaOf), { database: false });
        if (options.purge) {
          await storage.dropSchemas(t.databaseName, removed.map(schemaOf));
          for (const m of removed) await ledger.deleteFor(t.id, m);
        }
      }
      await new TenantRepository(admin).setModules(t.id, nextNames);
      await files.write(tenantFileModel({ id: t.id, database: t.databaseName, role: t.roleName, mode: t.mode, modules: nextNames }, this.deps.baseDomain));
      return { id: t.id, modules: nextNames, added: added.map((m) => m.name), removed, purged: options.purge ? removed : [] };
    });
  }

  /**
   * Soft delete: the tenant is refused at once (role NOLOGIN, status 'deleting')
   * and its data is kept for the grace period. With `purge`, everything goes now.
   */
  delete(rawId: unknown, options: { purge?: boolean; createdAt?: string } = {}): Promise<DeletionResult> {
    const allowed: TenantStatus[] = options.purge ? ['active', 'suspended', 'deleting', 'provisioning'] : ['active', 'suspended', 'deleting'];
    return this.withTenant(rawId, options.purge ? 'purge' : 'delete', allowed, async (admin, t) => {
      // A purge queued for an earlier tenant with this id never touches a newer one.
      if (options.createdAt && t.createdAt.toISOString() !== options.createdAt) throw new TenantNotFound(t.id);
      if (options.purge) {
        await this.purgeLocked(admin, t);
        return { id: t.id, status: 'purged' };
      }
      if (await this.deps.storage.roleExists(admin, t.roleName)) await this.deps.storage.setLogin(admin, t.roleName, false);
      const purgeAfter = t.status === 'deleting' && t.purgeAfter ? t.purgeAfter : await new TenantRepository(admin).markDeleting(t.id, this.deps.deleteGraceMs);
      return { id: t.id, status: 'deleting', purgeAfter };
    });
  }

  /** Drops storage, role and files, then the registry row: each step idempotent, the row last. */
  private async purgeLocked(admin: Kysely<RegistryDatabase>, t: TenantRecord): Promise<void> {
    const { storage, files } = this.deps;
    if (t.mode === 'database') {
      await storage.dropDatabase(admin, t.databaseName);
      await storage.dropRole(admin, t.roleName, []);
    } else {
      // Every module's schema, detached ones included: a later tenant with this id must start empty.
      await storage.dropSchemas(SHARED_TENANTS_DATABASE, this.deps.catalog.names().map((m) => tenantSchemaName(t.id, t.mode, m)));
      await storage.dropRole(admin, t.roleName, [SHARED_TENANTS_DATABASE]);
    }
    await files.remove(t.id);
    await new TenantRepository(admin).delete(t.id);
  }

  private withTenant<R>(rawId: unknown, action: string, allowed: TenantStatus[], fn: (admin: Kysely<RegistryDatabase>, tenant: TenantRecord) => Promise<R>): Promise<R> {
    const id = validateTenantId(rawId);
    return withTenantLock(this.deps.registry, id, async (admin) => {
      const tenant = await new TenantRepository(admin).findById(id);
      if (!tenant) throw new TenantNotFound(id);
      if (!allowed.includes(tenant.status)) throw new TenantStateConflict(id, tenant.status, action.replace(/_/g, ' '));
      const log = new ProvisioningLogRepository(admin);
      const runId = randomUUID();
      const started = performance.now();
      try {
        const result = await fn(admin, tenant);
        await log.append({ tenantId: id, runId, action, status: 'sucesso', durationMs: performance.now() - started });
        return result;
      } catch (error) {
        await log.append({ tenantId: id, runId, action, status: 'erro', details: { error: (error as Error).message }, durationMs: performance.now() - started }).catch(() => undefined);
        throw error;
      }
    });
  }
}
