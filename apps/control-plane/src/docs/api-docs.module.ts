import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Registry } from 'prom-client';
import { AuditedCommands } from '@kryonix/tenants';
import { AuthFailureLimiter, HealthController, METRICS_REGISTRY, METRICS_TOKEN, MetricsController } from '@kryonix/web';
import { JobsController } from '../jobs/jobs.controller';
import { BackupsController } from '../backups/backups.controller';
import { MigrationsController } from '../migrations/migrations.controller';
import { ModulesController } from '../modules/modules.controller';
import { TenantsController } from '../tenants/tenants.controller';
import { ServersController } from '../servers/servers.controller';
import { RebalanceController } from '../servers/rebalance.controller';
import { BackupCatalogController } from '../backups/backup-catalog.controller';

/** The controllers the OpenAPI document describes (the docs controller excludes itself). */
export const API_CONTROLLERS = [TenantsController, BackupsController, ServersController, RebalanceController, ModulesController, BackupCatalogController, JobsController, MigrationsController, HealthController, MetricsController];

/**
 * The control plane's controllers and nothing behind them (buses with no handlers, an
 * empty metrics registry): what `npm run generate` builds the OpenAPI document from,
 * without a registry or a database. Never served.
 */
@Module({
  imports: [CqrsModule.forRoot()],
  controllers: API_CONTROLLERS,
  providers: [
    { provide: METRICS_REGISTRY, useValue: new Registry() },
    { provide: METRICS_TOKEN, useValue: undefined },
    { provide: AuthFailureLimiter, useValue: new AuthFailureLimiter({ maxFailures: 10 }) },
    // Nothing is executed here: the controllers only need something to be constructed with.
    { provide: AuditedCommands, useValue: {} },
  ],
})
export class ApiDocsModule {}
