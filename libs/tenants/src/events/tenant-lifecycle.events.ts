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
/** A move's cut-over begins: data planes hold the tenant's new requests (at most KRYONIX_MOVE_MAX_PAUSE). */
export class TenantMovingEvent {
  constructor(
    readonly tenantId: string,
    /** The server it moves to (data planes ready connections there while they hold). */
    readonly server?: string,
  ) {}
}
/** The registry points at the tenant's new server: held requests go there. */
export class TenantMovedEvent {
  constructor(readonly tenantId: string) {}
}
/** A cut-over was abandoned (or the move rolled back): held requests go on to the source. */
export class TenantMoveAbandonedEvent {
  constructor(readonly tenantId: string) {}
}
