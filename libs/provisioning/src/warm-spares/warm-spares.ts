import type { Kysely } from 'kysely';
import type { IsolationMode } from '@kryonix/domain';
import type { ModuleDefinition } from '@kryonix/modules';
import type { RegistryDatabase } from '@kryonix/registry';
import { DatabaseConnector } from '@kryonix/platform';
import type { SchemaPlan, TenantStorageRepository } from '../tenant-storage.repository';
import { SpareRepository, SpareSet, spareSet, spareable } from './spare.repository';

export interface WarmSpareOptions {
  /**
   * Spares kept per mode and module set (KRYONIX_WARM_DATABASES): after a create, spares
   * are made in the background up to this count, and the next create of that set renames
   * one instead of cloning (database mode) or replaying the DDL (schema mode). 0 (a
   * short-lived CLI process's) makes none; spares made by others are still taken.
   */
  wanted: number;
  /** The modules folder: spares are made and taken per folder (see SpareSet). */
  modulesDir: string;
  /** Where a failed background spare is reported (it only costs the next create its speed-up). */
  onError?: (error: unknown) => void;
}

/**
 * Warm spares, as a long-lived process keeps them: which set a create may take from,
 * taking one, and topping a set up in the background after a create (one at a time per
 * set). Their SQL is in SpareRepository.
 */
export class WarmSpares {
  private readonly replenishing = new Map<string, Promise<void>>();
  /** Module sets whose spares of older versions this process has already swept. */
  private readonly swept = new Set<string>();

  private readonly sql: SpareRepository;

  constructor(
    private readonly registry: Kysely<RegistryDatabase>,
    connector: DatabaseConnector,
    storage: TenantStorageRepository,
    private readonly options: WarmSpareOptions,
  ) {
    this.sql = new SpareRepository(connector, storage);
  }

  setOf(modules: readonly ModuleDefinition[]): SpareSet {
    return spareSet(modules, this.options.modulesDir);
  }

  /** A first database-mode create: a spare of its module set renamed to `database`, if there is one. */
  claimDatabase<DB>(admin: Kysely<DB>, modules: readonly ModuleDefinition[], database: string): Promise<string | undefined> {
    return this.sql.claimSpare(admin, this.setOf(modules), database);
  }

  /** A first schema-mode create: a spare's role and schemas renamed to the tenant's, with LOGIN and its password, if there is one. */
  claimSchemas<DB>(admin: Kysely<DB>, modules: readonly ModuleDefinition[], role: string, schemas: readonly SchemaPlan[], scramVerifier: string, login: boolean): Promise<string | undefined> {
    return this.sql.claimSchemaSpare(admin, this.setOf(modules), role, schemas, scramVerifier, login);
  }

  /** Tops the spares of this mode and module set up to `wanted`, in the background. */
  replenish(mode: IsolationMode, modules: readonly ModuleDefinition[]): void {
    const set = this.setOf(modules);
    const key = `${mode}:${set.template}:${set.setId}`;
    if (this.options.wanted <= 0 || this.replenishing.has(key) || (mode === 'schema' && !spareable(modules))) return;
    const { registry, sql: storage } = this;
    const [count, make] =
      mode === 'database'
        ? [() => storage.countSpares(registry, set), () => storage.createSpare(registry, set)]
        : [() => storage.countSchemaSpares(set), () => storage.createSchemaSpare(set)];
    const run = (async () => {
      // Once per set: spares made for older versions of these modules can never be taken.
      if (!this.swept.has(`${set.setId}:${set.key}`)) {
        await storage.dropStaleSpares(registry, set);
        this.swept.add(`${set.setId}:${set.key}`);
      }
      while ((await count()) < this.options.wanted) await make();
    })()
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => this.replenishing.delete(key));
    this.replenishing.set(key, run);
  }

  /** Waits for spares being made: before the connections close. */
  async drain(): Promise<void> {
    while (this.replenishing.size) await Promise.all([...this.replenishing.values()]);
  }
}
