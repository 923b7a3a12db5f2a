/** Kinds of durable jobs and their payloads (no secrets in payloads). */
export const JOB_KINDS = {
  createTenant: 'create_tenant',
  changeModules: 'change_modules',
  purgeTenant: 'purge_tenant',
  migrateFleet: 'migrate_fleet',
  moveTenant: 'move_tenant',
  /** PURGE_REPLACED_COPY_JOB of @kryonix/provisioning: queued by a replace, due after KRYONIX_DELETE_GRACE. */
  purgeReplacedCopy: 'purge_replaced_copy',
} as const;

export interface CreateTenantPayload {
  id: string;
  name: string;
  modules: string[];
  mode: string;
}
export interface ChangeModulesPayload {
  id: string;
  modules: string[];
  purge: boolean;
}
export interface PurgeTenantPayload {
  id: string;
  /** The tenant the purge was queued for: a newer tenant with the same id is left alone. */
  createdAt?: string;
}
export interface MoveTenantPayload {
  id: string;
  to: string;
  attempts: number;
}
