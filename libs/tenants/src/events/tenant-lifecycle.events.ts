/** Lifecycle events: they drive cache invalidation, generated files and audit downstream. */
export class TenantSuspendedEvent {
  constructor(readonly tenantId: string) {}
}
export class TenantResumedEvent {
  constructor(readonly tenantId: string) {}
}
export class TenantDeletedEvent {
  constructor(
    readonly tenantId: string,
    readonly purged: boolean,
  ) {}
}
export class TenantKeyRotatedEvent {
  constructor(readonly tenantId: string) {}
}
export class TenantCredentialsRotatedEvent {
  constructor(readonly tenantId: string) {}
}
export class TenantModulesChangedEvent {
  constructor(
    readonly tenantId: string,
    readonly modules: readonly string[],
  ) {}
}
export class TenantRateLimitChangedEvent {
  constructor(readonly tenantId: string) {}
}
