import type { Kysely } from 'kysely';
import type { IsolationMode } from '@kryonix/domain';
import type { ModuleDefinition } from '@kryonix/modules';
import type { RegistryDatabase } from '@kryonix/registry';
import { SpareSet, TenantStorageRepository, spareSet, spareable } from './tenant-storage.repository';

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
 * Warm spares, as a long-lived process keeps them: which set a create may take from, and
 * topping a set up in the background after a create (one at a time per set). The SQL
 * that makes, claims and sweeps spares is in TenantStorageRepository.
 */
export class WarmSpares {
  private readonly replenishing = new Map<string, Promise<void>>();
  /** Module sets whose spares of older versions this process has already swept. */
  private readonly swept = new Set<string>();

  constructor(
    private readonly registry: Kysely<RegistryDatabase>,
    private readonly storage: TenantStorageRepository,
    private readonly options: WarmSpareOptions,
  ) {}

  setOf(modules: readonly ModuleDefinition[]): SpareSet {
    return spareSet(modules, this.options.modulesDir);
  }

  /** Tops the spares of this mode and module set up to `wanted`, in the background. */
  replenish(mode: IsolationMode, modules: readonly ModuleDefinition[]): void {
    const set = this.setOf(modules);
    const key = `${mode}:${set.template}:${set.setId}`;
    if (this.options.wanted <= 0 || this.replenishing.has(key) || (mode === 'schema' && !spareable(modules))) return;
    const { registry, storage } = this;
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
