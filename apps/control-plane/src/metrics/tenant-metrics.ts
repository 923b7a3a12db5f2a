import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { DatabaseConnector } from '@kryonix/platform';
import { BackupCatalog } from '@kryonix/provisioning';
import { CollectUsageQuery, ListServersQuery } from '@kryonix/tenants';
import { reportPassFailure } from '../worker/worker-errors';

export const METRICS_INTERVAL_MS = Symbol('METRICS_INTERVAL_MS');

/**
 * The Prometheus registry of the control plane. The per-tenant gauges are the
 * metrics the generated alert rules (provisioning/alert-rules.yml.hbs) use.
 */
@Injectable()
export class TenantMetrics implements OnApplicationBootstrap, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly logger = new Logger('metrics');
  private readonly storage = new Gauge({ name: 'kryonix_tenant_storage_bytes', help: 'Bytes used by the tenant (its database, or its schemas).', labelNames: ['tenant'], registers: [this.registry] });
  private readonly quota = new Gauge({ name: 'kryonix_tenant_storage_quota_bytes', help: 'Storage quota of the tenant.', labelNames: ['tenant'], registers: [this.registry] });
  private readonly connections = new Gauge({ name: 'kryonix_tenant_connections', help: 'Open server connections of the tenant role.', labelNames: ['tenant'], registers: [this.registry] });
  private readonly longest = new Gauge({ name: 'kryonix_tenant_longest_query_seconds', help: 'Age of the tenant role’s longest running query.', labelNames: ['tenant'], registers: [this.registry] });
  private readonly tenants = new Gauge({ name: 'kryonix_tenants', help: 'Tenants by status.', labelNames: ['status'], registers: [this.registry] });
  private readonly serverUp = new Gauge({ name: 'kryonix_server_up', help: 'Whether the PostgreSQL server answered at the last refresh (1) or not (0).', labelNames: ['server'], registers: [this.registry] });
  private readonly serverTenants = new Gauge({ name: 'kryonix_server_tenants', help: 'Tenants the server holds.', labelNames: ['server'], registers: [this.registry] });
  private readonly serverStorage = new Gauge({ name: 'kryonix_server_storage_bytes', help: "Size of the server's Kryonix databases.", labelNames: ['server'], registers: [this.registry] });
  private readonly serverConnections = new Gauge({ name: 'kryonix_server_connections', help: 'Client connections on the server.', labelNames: ['server'], registers: [this.registry] });
  private readonly lastBackup = new Gauge({ name: 'kryonix_tenant_last_backup_timestamp_seconds', help: 'When the newest readable backup of the tenant in KRYONIX_BACKUP_DIR was taken (manual or scheduled).', labelNames: ['tenant'], registers: [this.registry] });
  private readonly refreshed = new Gauge({ name: 'kryonix_tenant_metrics_refreshed_timestamp_seconds', help: 'When the tenant gauges were last refreshed.', registers: [this.registry] });
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly queries: QueryBus,
    private readonly connector: DatabaseConnector,
    private readonly backups: BackupCatalog,
    @Inject(METRICS_INTERVAL_MS) private readonly intervalMs: number,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kryonix_control_plane_' });
  }

  onApplicationBootstrap(): void {
    void this.refresh();
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => void this.refresh(), this.intervalMs);
      this.timer.unref();
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Re-reads usage from PostgreSQL; tenants that are gone drop out of the gauges. */
  async refresh(): Promise<void> {
    await this.refreshBackups();
    try {
      const report = await this.queries.execute(new CollectUsageQuery());
      for (const g of [this.storage, this.quota, this.connections, this.longest]) g.reset();
      for (const t of report.tenants) {
        this.storage.set({ tenant: t.tenant }, t.storageBytes);
        this.quota.set({ tenant: t.tenant }, t.quotaBytes);
        this.connections.set({ tenant: t.tenant }, t.connections);
        this.longest.set({ tenant: t.tenant }, t.longestQuerySeconds);
      }
      for (const [status, n] of Object.entries(report.countsByStatus)) this.tenants.set({ status }, n);
      const servers = await this.queries.execute(new ListServersQuery());
      for (const g of [this.serverUp, this.serverTenants, this.serverStorage, this.serverConnections]) g.reset();
      for (const s of servers) {
        this.serverUp.set({ server: s.name }, s.reachable ? 1 : 0);
        this.serverTenants.set({ server: s.name }, s.tenants);
        if (s.storageBytes !== null) this.serverStorage.set({ server: s.name }, s.storageBytes);
        if (s.connections !== null) this.serverConnections.set({ server: s.name }, s.connections);
      }
      this.refreshed.setToCurrentTime();
    } catch (error) {
      reportPassFailure(this.logger, this.connector, error, 'could not refresh tenant metrics');
    }
  }

  /** From the backup folder, not the database: it is known while a server is away. */
  private async refreshBackups(): Promise<void> {
    try {
      const last = await this.backups.lastBackups();
      this.lastBackup.reset();
      for (const [tenant, at] of last) this.lastBackup.set({ tenant }, at.getTime() / 1000);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the backup folder for kryonix_tenant_last_backup_timestamp_seconds');
    }
  }
}
