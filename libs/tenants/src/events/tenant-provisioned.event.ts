import type { IsolationMode } from '@kryonix/domain';

/** A tenant finished provisioning (or was repaired): its files, caches and audit follow from this. */
export class TenantProvisionedEvent {
  constructor(
    readonly tenantId: string,
    readonly mode: IsolationMode,
    readonly modules: readonly string[],
  ) {}
}
