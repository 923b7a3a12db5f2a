import type { Kysely } from 'kysely';
import type { IsolationMode } from '@kryonix/domain';
import type { ModuleDefinition } from '@kryonix/modules';
import type { GeneratedApiKey } from '@kryonix/platform';
import type { RegistryDatabase } from '@kryonix/registry';
import type { GeneratedFiles } from '../generated-files';
import type { TenantCertificates } from '../tenant-certificates';
import type { SchemaPlan } from '../tenant-storage.repository';
import type { TenantServer } from '../tenant-servers';
import type { WarmSpares } from '../warm-spares/warm-spares';

/** What a create (or repair) of one tenant makes: names decided up front, from the id, mode and modules. */
export interface TenantPlan {
  id: string;
  name: string;
  mode: IsolationMode;
  modules: ModuleDefinition[];
  database: string;
  role: string;
  schemas: SchemaPlan[];
  url: string;
  /** The PostgreSQL server the tenant's objects are made on. */
  server: string;
}

/** The state one run of the plan carries from step to step. */
export interface RunContext {
  /** The registry connection holding the tenant's advisory lock: registry rows only. */
  admin: Kysely<RegistryDatabase>;
  /**
   * The tenant's server: its storage SQL, its warm spares and the admin connection for
   * server-wide statements (on `default`, the same connection as `admin`).
   */
  server: TenantServer & { spares: WarmSpares };
  plan: TenantPlan;
  rolePassword: string;
  rolePasswordEnc: string;
  /** A first run (not a resume or repair): storage that already exists is not ours to adopt or drop. */
  fresh: boolean;
  /** What this run created, so an undo never drops anything else. */
  created: { database?: boolean; schemas: string[] };
  /** create_schemas granted every table to the role as it created them (schema mode). */
  tablesGranted?: boolean;
  /** create_role took a schema-mode warm spare: the role and its schemas, renamed (create_schemas has nothing left to do). */
  claimedSchemas?: boolean;
  /** false for suspended or deleting tenants being repaired: their role stays NOLOGIN. */
  login: boolean;
  /** Issue (and show) a new API key; false when repairing a live tenant that already has one. */
  issueKey: boolean;
  apiKey?: GeneratedApiKey;
  files: string[];
  /** Set when the run restores a backup (load_data, migrate_modules). */
  restore?: RestoreSource;
}

/** What a restore brings to the plan: its loader, and the modules at their current versions (to migrate to). */
export interface RestoreSource {
  load(target: { server: TenantServer; plan: TenantPlan }): Promise<Record<string, unknown>>;
  current: readonly ModuleDefinition[];
}

/** What the steps work with. */
export interface StepDeps {
  files: GeneratedFiles;
  certificates: TenantCertificates;
  /** The URL a client uses for a tenant (tenantUrl of the settings). */
  tenantUrl: (id: string) => string;
}
